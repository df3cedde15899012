import { Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ApiEndpoint } from '../auth/api-endpoint.decorator.js';
import { ReconcileQuery, ReconcileResponse, toReconcileResponse } from './dto/reconcile.dto.js';
import { StorageReconciler } from './storage-reconciler.js';

@ApiTags('storage')
@Controller('api/v1/storage/reconcile')
export class StorageReconcileController {
  constructor(private readonly reconciler: StorageReconciler) {}

  @Get()
  @ApiEndpoint({
    summary: 'List what the storage reconciler would remove (temp files, incomplete uploads, orphan blobs)',
    role: 'admin',
  })
  @ApiOkResponse({ type: ReconcileResponse })
  async preview(): Promise<ReconcileResponse> {
    return toReconcileResponse(await this.reconciler.reconcile(true));
  }

  @Post()
  @HttpCode(200)
  @ApiEndpoint({
    summary: 'Run the storage reconciler now (with ?dry_run=true it only lists)',
    role: 'admin',
  })
  @ApiOkResponse({ type: ReconcileResponse })
  async run(@Query() query: ReconcileQuery): Promise<ReconcileResponse> {
    return toReconcileResponse(await this.reconciler.reconcile(query.dry_run ?? false));
  }
}
