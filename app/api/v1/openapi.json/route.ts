import { openApiDocument } from '@/lib/api-spec/openapi';
import { publicUrl } from '@/lib/auth/auth';
import { route } from '../../_lib/handler';

/** The API's own description; public, like the API's shape is. */
export const GET = route(async () => openApiDocument(publicUrl()));
