import { Global, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { redactorFor } from './redactor-factory.js';
import { SecretRedactor } from './secret-redactor.js';

/** The one SecretRedactor of the process, keyed from the server secret (see redactorFor). */
@Global()
@Module({
  providers: [{ provide: SecretRedactor, useFactory: (config: AppConfig) => redactorFor(config), inject: [AppConfig] }],
  exports: [SecretRedactor],
})
export class RedactionModule {}
