/** Which platform kinds the running workers can run, and for the others why not. */
export function PlatformKinds({ availability }: { availability: Map<string, string | null> }) {
  return (
    <ul className="space-y-1 text-sm">
      {[...availability].map(([kind, reason]) => (
        <li key={kind} data-testid={`kind-${kind}`}>
          <span className="font-medium">{kind}</span>:{' '}
          {reason === null ? <span className="text-green-700">available</span> : <span className="text-amber-700">{reason}</span>}
        </li>
      ))}
    </ul>
  );
}
