import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { PasswordForm } from '@/components/account/password-form';
import { AuditTable } from '@/components/admin/audit/audit-table';
import { CreateTokenForm } from '@/components/admin/tokens/create-token-form';
import { TokensTable } from '@/components/admin/tokens/tokens-table';
import { CreateUserForm } from './create-user-form';
import { OneTimeSecret } from './one-time-secret';
import { UsersTable } from './users-table';

/** The names the browser tests will find things by: labels tied to controls, buttons, the once-shown box. */
const html = (el: Parameters<typeof renderToStaticMarkup>[0]) => renderToStaticMarkup(el);

function labelledControl(markup: string, label: string): string | undefined {
  const id = new RegExp(`<label for="([^"]+)">${label}</label>`).exec(markup)?.[1];
  return id && new RegExp(`<(input|select)[^>]*id="${id}"[^>]*>`).exec(markup)?.[0];
}

describe('accessible markup', () => {
  it('create user: Name, Email, Role and a Create user button; Password once generation is off', () => {
    const m = html(createElement(CreateUserForm));
    for (const label of ['Name', 'Email', 'Role']) expect(labelledControl(m, label), label).toBeDefined();
    expect(labelledControl(m, 'Generate a temporary passphrase \\(shown once\\)')).toMatch(/type="checkbox"/);
    expect(m).toMatch(/<button type="submit"[^>]*>Create user<\/button>/);
  });

  it('users table: role, status and the row buttons', () => {
    const m = html(
      createElement(UsersTable, {
        meId: 'u1',
        users: [
          { id: 'u1', name: 'Ama', email: 'ama@x.example', role: 'admin', disabled: false, createdAt: new Date('2025-01-01T00:00:00Z') },
          { id: 'u2', name: 'Kofi <b>', email: 'kofi@x.example', role: 'viewer', disabled: true, createdAt: new Date('2025-01-02T00:00:00Z') },
        ],
      }),
    );
    for (const name of ['Change role to viewer', 'Change role to admin', 'Disable', 'Enable', 'Reset password']) expect(m).toContain(`>${name}</button>`);
    expect(m).toContain('Kofi &lt;b&gt;');
    expect(m).toContain('(you)');
  });

  it('tokens: Label, Create token, Revoke; the one-time box is named and has Copy', () => {
    expect(labelledControl(html(createElement(CreateTokenForm)), 'Label')).toBeDefined();
    expect(html(createElement(CreateTokenForm))).toContain('>Create token</button>');
    const row = { tokenId: 't', prefix: 'fsr_abcdefgh', label: 'Grafana', createdBy: null, creatorEmail: null, createdAt: new Date(), lastUsedAt: null, revokedAt: null };
    expect(html(createElement(TokensTable, { tokens: [row] }))).toContain('>Revoke</button>');
    const box = html(createElement(OneTimeSecret, { secret: 'fsr_x', label: 'New API token', heading: 'h', warning: 'w' }));
    expect(box).toMatch(/<input[^>]*aria-label="New API token"[^>]*value="fsr_x"/);
    expect(box).toContain('>Copy</button>');
  });

  it('account: Current password, New password, Confirm new password, Change password', () => {
    const m = html(createElement(PasswordForm));
    for (const label of ['Current password', 'New password', 'Confirm new password']) expect(labelledControl(m, label), label).toMatch(/type="password"/);
    expect(m).toContain('>Change password</button>');
  });

  it('audit: values are text, never markup', () => {
    const entry = {
      auditId: 1, at: new Date('2025-01-01T00:00:00Z'), actorId: 'u1', actorEmail: 'ama@x.example', action: 'user.create', targetType: 'user' as const,
      targetId: 'u2', outcome: 'success' as const, before: null, after: { name: '<img src=x onerror=alert(1)>' }, requestId: 'r1',
    };
    const m = html(createElement(AuditTable, { entries: [entry] }));
    expect(m).not.toContain('<img');
    expect(m).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(m).toContain('2025-01-01T00:00:00.000Z');
  });
});
