'use server';

import { revalidatePath } from 'next/cache';
import { redirect } from 'next/navigation';
import { requireActionUser, type ActionContext } from '@/lib/auth/action';
import { getDatabase } from '@/lib/db/client';
import * as admin from '@/lib/nodes/admin';
import {
  nodeFormInput,
  nodeFormInputFromNode,
  type DeleteNodeState,
  type NodeFormState,
  type ProbeKeyCreateState,
  type RevokeKeyState,
} from '@/lib/nodes/admin-schema';
import { nodeIdSchema } from '@/lib/nodes/schemas';

/**
 * Thin wrappers: role check first (requireActionUser audits a denial and answers 403), then
 * lib/nodes/admin does the validation, the write and the audit entry. Bound arguments (the node
 * id) arrive from the browser unsigned, so they are parsed like any other input.
 */

const actorOf = (ctx: ActionContext): admin.AuditActor => ({ actorId: ctx.user.id, actorEmail: ctx.user.email, requestId: ctx.requestId });
const NO_SUCH_NODE = { form: 'There is no such node.' };
const str = (form: FormData, name: string) => {
  const v = form.get(name);
  return typeof v === 'string' ? v : '';
};

function revalidateNode(nodeId: string) {
  revalidatePath('/admin/nodes');
  revalidatePath(`/admin/nodes/${nodeId}`);
  revalidatePath('/');
  revalidatePath(`/nodes/${nodeId}`);
}

export async function createNodeAction(_prev: NodeFormState, form: FormData): Promise<NodeFormState> {
  const ctx = await requireActionUser('admin', 'node.create');
  const input = nodeFormInput(form);
  const { db } = await getDatabase();
  const result = await admin.createNode(db, input, actorOf(ctx));
  if (!result.ok) return { status: 'invalid', errors: result.errors, input };
  revalidateNode(result.node.nodeId);
  redirect(`/admin/nodes/${result.node.nodeId}?created=1`);
}

export async function updateNodeAction(nodeId: string, _prev: NodeFormState, form: FormData): Promise<NodeFormState> {
  const ctx = await requireActionUser('admin', 'node.update');
  const input = nodeFormInput(form);
  const id = nodeIdSchema.safeParse(nodeId);
  if (!id.success) return { status: 'invalid', errors: NO_SUCH_NODE, input };
  const { db } = await getDatabase();
  const result = await admin.updateNode(db, id.data, input, actorOf(ctx));
  if (!result.ok) return { status: 'invalid', errors: result.errors, input };
  revalidateNode(id.data);
  return { status: 'saved', input: nodeFormInputFromNode(result.node), savedAt: new Date().toISOString() };
}

export async function setNodeActiveAction(nodeId: string, active: boolean): Promise<void> {
  const ctx = await requireActionUser('admin', active === true ? 'node.reactivate' : 'node.deactivate');
  const id = nodeIdSchema.safeParse(nodeId);
  if (!id.success) redirect('/admin/nodes');
  const { db } = await getDatabase();
  const result = await admin.setNodeActive(db, id.data, active === true, actorOf(ctx));
  if (!result.ok) redirect('/admin/nodes');
  revalidateNode(id.data);
}

export async function deleteNodeAction(nodeId: string, _prev: DeleteNodeState, form: FormData): Promise<DeleteNodeState> {
  const ctx = await requireActionUser('admin', 'node.delete');
  const confirmation = str(form, 'confirmation');
  const id = nodeIdSchema.safeParse(nodeId);
  if (!id.success) return { errors: NO_SUCH_NODE, confirmation };
  const { db } = await getDatabase();
  const result = await admin.deleteNode(db, id.data, confirmation, actorOf(ctx));
  if (!result.ok) return { errors: result.errors, confirmation };
  revalidateNode(id.data);
  redirect(`/admin/nodes?deleted=${encodeURIComponent(result.node.nodeName)}`);
}

export async function createProbeKeyAction(nodeId: string, _prev: ProbeKeyCreateState, form: FormData): Promise<ProbeKeyCreateState> {
  const ctx = await requireActionUser('admin', 'probe_key.create');
  const label = str(form, 'label');
  const id = nodeIdSchema.safeParse(nodeId);
  if (!id.success) return { status: 'invalid', errors: NO_SUCH_NODE, label };
  const { db } = await getDatabase();
  const result = await admin.createProbeKey(db, id.data, label, actorOf(ctx));
  if (!result.ok) return { status: 'invalid', errors: result.errors, label };
  revalidateNode(id.data);
  return { status: 'created', key: result.key, prefix: result.prefix, label: result.label };
}

export async function revokeProbeKeyAction(nodeId: string, _prev: RevokeKeyState, form: FormData): Promise<RevokeKeyState> {
  const ctx = await requireActionUser('admin', 'probe_key.revoke');
  const id = nodeIdSchema.safeParse(nodeId);
  if (!id.success) return { errors: NO_SUCH_NODE };
  const { db } = await getDatabase();
  const result = await admin.revokeNodeProbeKey(db, id.data, str(form, 'prefix'), actorOf(ctx));
  if (!result.ok) return { errors: result.errors };
  revalidateNode(id.data);
  return { errors: {} };
}
