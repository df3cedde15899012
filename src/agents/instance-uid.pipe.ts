import { Injectable, PipeTransform } from '@nestjs/common';
import { isUuid } from '../opamp/uuid.js';
import { InvalidInstanceUid } from './agents.errors.js';

/**
 * Agents choose their own 16-byte instance_uid (UUIDv7 is only recommended), so any 32 hex
 * digits in canonical UUID form are accepted, whatever their version bits; returned lowercase.
 */
@Injectable()
export class ParseInstanceUidPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!isUuid(value)) {
      throw new InvalidInstanceUid(value);
    }
    return value.toLowerCase();
  }
}
