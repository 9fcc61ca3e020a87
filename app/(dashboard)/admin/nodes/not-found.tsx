import Link from 'next/link';

export default function AdminNodeNotFound() {
  return (
    <div className="empty" role="alert">
      <h1>No such node</h1>
      <p>There is no probe node with this id. It may have been deleted, or the link is mistyped.</p>
      <p>
        <Link href="/admin/nodes">Back to the node list</Link>
      </p>
    </div>
  );
}
