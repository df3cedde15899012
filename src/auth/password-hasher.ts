import bcrypt from 'bcryptjs';

const COST = 11;
// Compared against when the user does not exist, so both paths cost one bcrypt verification.
const DUMMY_HASH = bcrypt.hashSync('not-a-real-password', COST);

/** bcrypt (cost 11) for user passwords; agent keys use SHA-256 because they are random tokens. */
export class PasswordHasher {
  hash(password: string): Promise<string> {
    return bcrypt.hash(password, COST);
  }

  verify(password: string, hash: string | undefined): Promise<boolean> {
    return bcrypt.compare(password, hash ?? DUMMY_HASH);
  }
}
