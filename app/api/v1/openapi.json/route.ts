import { openApiDocument } from '@/lib/server/api-spec/openapi';
import { publicUrl } from '@/lib/server/config';
import { route } from '../../_lib/handler';

/** The API's own description; public, like the API's shape is. */
export const GET = route(async () => openApiDocument(publicUrl()));
