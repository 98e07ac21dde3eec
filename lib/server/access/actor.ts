/** Who is making a request: a signed-in user, or an API token acting for its user in one team. */
export interface Actor {
  userId: string;
  /** Set for API tokens: the only team the token may act in. */
  tokenTeamId?: string;
}
