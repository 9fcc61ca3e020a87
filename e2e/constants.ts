/** The e2e server's enrolment key (a test secret, not a real one). */
export const ENROLLMENT_KEY = 'e2e-enrollment-key-0123456789abcdef0123';

/** The first admin the setup project creates (e2e only; the server's data directory is thrown away). */
export const ADMIN = { name: 'Abena Mensah', email: 'abena@noc.example', password: 'e2e admin passphrase 1' };
export const ADMIN_STATE = 'test-results/.auth/admin.json';
