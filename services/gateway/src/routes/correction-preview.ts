import type { FastifyInstance } from 'fastify';
import type { CorrectionPreviewer } from '../correction-preview';
import { installJsonBodyParser } from '../json-body';

/**
 * POST /corrections/preview (admin): what a void or amend of a stored event would change in usage and
 * billing, applying nothing (CorrectionPreviewer). The body is parsed in its exact form, in a plugin of
 * its own, so that an amend's metadata keeps every digit, as ingest's does.
 */
export function registerCorrectionPreviewRoutes(app: FastifyInstance, previewer: Pick<CorrectionPreviewer, 'preview'>): void {
  app.register(async (route) => {
    installJsonBodyParser(route, 'exact');
    route.post('/corrections/preview', { config: { scope: 'admin' } }, async (request) => previewer.preview(request.body));
  });
}
