import { systemActor } from '../../platform/audit/audit.service.js';
import { generatePassword } from '../../platform/auth/password.js';
import type { Deps } from '../../platform/context.js';
import { createOrganization, orgTree } from '../organizations/organizations.service.js';
import { countUsers } from '../users/users.repository.js';
import { createUser, grantRole } from '../users/users.service.js';

export interface BootstrapResult {
  username: string;
  /** Set only when the password was generated here; shown once and never stored in plain text. */
  generatedPassword?: string;
}

/**
 * On a database without users, creates the first system administrator (`admin`) on the top organization,
 * with GONGKAI_ADMIN_PASSWORD or a generated strong password. Does nothing otherwise.
 */
export async function ensureFirstAdmin(deps: Deps): Promise<BootstrapResult | null> {
  if ((await countUsers(deps.db.kysely)) > 0) return null;
  let root = (await orgTree(deps)).children(null)[0];
  if (!root) {
    const principal = {
      userId: 0,
      username: 'system',
      displayName: 'system',
      grants: [{ organizationId: 0, role: 'system_admin' as const }],
    };
    await createOrganization(deps, principal, systemActor, {
      code: 'ROOT',
      slug: 'district',
      name: deps.config.site.name,
      kind: 'government',
    });
    root = (await orgTree(deps)).children(null)[0];
  }
  const fromEnv = deps.config.adminPassword;
  const password = fromEnv ?? generatePassword();
  const id = await createUser(
    deps,
    systemActor,
    { username: 'admin', display_name: '系统管理员', email: '', password },
    { mustChangePassword: false },
  );
  await grantRole(deps, null, systemActor, id, { organization_id: root.id, role: 'system_admin' });
  return { username: 'admin', generatedPassword: fromEnv ? undefined : password };
}
