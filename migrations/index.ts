import { Foundation1763800000000 } from './1763800000000-foundation.js';

/** Every migration, in order. New files are added here; TypeORM sorts them by their timestamp. */
export const migrations = [Foundation1763800000000];
