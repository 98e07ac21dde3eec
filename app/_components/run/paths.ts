export { resultPath, runApiPath } from '@/lib/shared/result-paths';
