import Link from 'next/link';

export default function NodeNotFound() {
  return (
    <div className="empty" role="alert">
      <h1>No such node</h1>
      <p>There is no probe node with this id. It may have been removed, or the link is mistyped.</p>
      <p>
        <Link href="/">Back to the network overview</Link>
      </p>
    </div>
  );
}
