import type { DeleteNodeState } from '@/lib/nodes/admin-schema';
import { DeleteNodeForm } from './delete-node-form';
import './admin.css';

export interface NodeDangerZoneProps {
  nodeName: string;
  isActive: boolean;
  /** Bound to the node and to the state it moves to. */
  toggleActiveAction: () => Promise<void>;
  deleteAction: (prev: DeleteNodeState, form: FormData) => Promise<DeleteNodeState>;
}

/** Deactivate (reversible, keeps everything) and delete (irreversible, takes the data with it), side by side so the difference is plain. */
export function NodeDangerZone({ nodeName, isActive, toggleActiveAction, deleteAction }: NodeDangerZoneProps) {
  return (
    <section className="admin-section admin-section--danger" aria-labelledby="danger-heading">
      <h2 id="danger-heading">Danger zone</h2>
      <div className="danger-row">
        <div>
          <h3>{isActive ? 'Deactivate this node' : 'Reactivate this node'}</h3>
          <p>
            {isActive
              ? 'An inactive node is shown as inactive and left out of the network figures. Its metrics, keys and settings are kept; reactivate it at any time.'
              : 'This node is inactive. Reactivating it brings it back into the network figures; its metrics, keys and settings are unchanged.'}
          </p>
        </div>
        <form action={toggleActiveAction}>
          <button type="submit" className={`admin-button ${isActive ? 'admin-button--danger' : ''}`}>
            {isActive ? 'Deactivate' : 'Reactivate'}
          </button>
        </form>
      </div>
      <div className="danger-row">
        <div>
          <h3>Delete this node</h3>
          <DeleteNodeForm nodeName={nodeName} action={deleteAction} />
        </div>
      </div>
    </section>
  );
}
