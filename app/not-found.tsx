import Link from 'next/link';

export default function NotFound() {
  return (
    <div className="card mx-auto max-w-md text-center">
      <h1 className="text-lg font-semibold">Not found</h1>
      <p className="mt-2 text-sm text-slate-600">There is nothing here, or you are not allowed to see it.</p>
      <Link href="/" className="btn mt-4">
        Home
      </Link>
    </div>
  );
}
