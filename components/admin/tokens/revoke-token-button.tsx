'use client';

import { revokeTokenAction } from '@/app/(dashboard)/admin/tokens/actions';
import type { TokenFormState } from '@/lib/auth/api-tokens';
import { ConfirmRevokeButton } from '../confirm-revoke-button';

/** Scripts and dashboards using the token fail from then on. */
export function RevokeTokenButton({ prefix, label }: { prefix: string; label: string }) {
  return (
    <ConfirmRevokeButton<TokenFormState>
      prefix={prefix}
      warning={`Anything using ${prefix} (${label}) will be refused.`}
      action={revokeTokenAction}
      initialState={{ ok: false, errors: {} }}
    />
  );
}
