import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PackageSignatures } from './package-signatures.js';
import { SigningKeyEntity } from './signing-key.entity.js';
import { SigningKeysController } from './signing-keys.controller.js';
import { SigningKeysRepository } from './signing-keys.repository.js';
import { SigningKeysService } from './signing-keys.service.js';

/**
 * Trusted signing keys and the signature policy. A module of its own (inside the packages feature)
 * so the upload storage engines, built in other modules' factories, can inject PackageSignatures.
 */
@Module({
  imports: [TypeOrmModule.forFeature([SigningKeyEntity])],
  controllers: [SigningKeysController],
  providers: [SigningKeysRepository, SigningKeysService, PackageSignatures],
  exports: [PackageSignatures, SigningKeysService],
})
export class SigningModule {}
