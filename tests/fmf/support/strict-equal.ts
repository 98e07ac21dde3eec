import { FmfDate, FmfFloat, FmfSet, FmfTimestamp, isMapping, type FmfValue } from '../../../lib/engine/fmf/values';
import { pyFloatRepr } from '../../../lib/engine/python/float-repr';

/** Type-strict structural equality (an int is not a float, a bool is not an int); mapping key order ignored. */
export function strictEqual(left: FmfValue | undefined, right: FmfValue | undefined): boolean {
  if (left instanceof FmfFloat && right instanceof FmfFloat) return pyFloatRepr(left.value) === pyFloatRepr(right.value);
  if (left instanceof FmfDate || left instanceof FmfTimestamp)
    return right?.constructor === left.constructor && (right as FmfDate).iso === left.iso;
  if (left instanceof Uint8Array) return right instanceof Uint8Array && Buffer.from(left).equals(Buffer.from(right));
  if (left instanceof FmfSet) {
    return (
      right instanceof FmfSet &&
      left.items.length === right.items.length &&
      left.items.every((item) => right.items.some((other) => strictEqual(item, other)))
    );
  }
  if (Array.isArray(left))
    return Array.isArray(right) && left.length === right.length && left.every((item, index) => strictEqual(item, right[index]));
  if (isMapping(left)) {
    if (!isMapping(right)) return false;
    const keys = Object.keys(left);
    return keys.length === Object.keys(right).length && keys.every((key) => key in right && strictEqual(left[key], right[key]));
  }
  return typeof left === typeof right && left === right;
}
