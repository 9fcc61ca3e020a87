/** The e2e server's enrolment key (a test secret, not a real one). */
export const ENROLLMENT_KEY = 'e2e-enrollment-key-0123456789abcdef0123';
