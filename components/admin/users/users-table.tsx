import { LocalTime } from '@/components/local-time';
import type { ManagedUser } from '@/lib/auth/admin-users';
import { UserRowActions } from './user-row-actions';
import '../admin.css';
import './users.css';

/** Every account, oldest first, with its row of changes. `meId` marks the signed-in admin's own row. */
export function UsersTable({ users, meId }: { users: ManagedUser[]; meId: string }) {
  return (
    <div className="table-wrap">
      <table className="admin-table users-table">
        <caption className="visually-hidden">Users: name, email, role, status, created, and changes</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Email</th>
            <th scope="col">Role</th>
            <th scope="col">Status</th>
            <th scope="col">Created</th>
            <th scope="col">Changes</th>
          </tr>
        </thead>
        <tbody>
          {users.map((u) => (
            <tr key={u.id}>
              <th scope="row">
                {u.name}
                {u.id === meId && <span className="user-you">(you)</span>}
              </th>
              <td className="user-email">{u.email}</td>
              <td>{u.role}</td>
              <td>
                <span className={u.disabled ? 'user-status user-status--disabled' : 'user-status'}>{u.disabled ? 'disabled' : 'active'}</span>
              </td>
              <td>
                <LocalTime iso={u.createdAt.toISOString()} zone="local" />
              </td>
              <td>
                <UserRowActions userId={u.id} email={u.email} role={u.role} disabled={u.disabled} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
