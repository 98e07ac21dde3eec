import { NextResponse } from 'next/server';

function unknownRoute(request: Request): Response {
  return NextResponse.json({ error: `no API route ${request.method} ${new URL(request.url).pathname}` }, { status: 404 });
}

export { unknownRoute as GET, unknownRoute as POST, unknownRoute as PUT, unknownRoute as PATCH, unknownRoute as DELETE };
