'use client';

import type { RevokeKeyState } from '@/lib/nodes/admin-schema';
import { ConfirmRevokeButton } from './confirm-revoke-button';

export interface RevokeKeyButtonProps {
  prefix: string;
  action: (prev: RevokeKeyState, form: FormData) => Promise<RevokeKeyState>;
}

/** A probe using the key is refused from then on. */
export function RevokeKeyButton({ prefix, action }: RevokeKeyButtonProps) {
  return <ConfirmRevokeButton prefix={prefix} warning={`Probes using ${prefix} will be refused.`} action={action} initialState={{ errors: {} }} />;
}
