/** A TypeBox union of literal values from a list, typed as the union of the list's values. */
import { Type, type SchemaOptions, type TLiteral, type TLiteralValue, type TUnion } from '@sinclair/typebox'

type Literals<T extends readonly TLiteralValue[]> = { -readonly [K in keyof T]: TLiteral<T[K]> }

export function LiteralUnion<const T extends readonly TLiteralValue[]>(values: T, options?: SchemaOptions): TUnion<Literals<T>> {
  // Type.Union's own typing needs a tuple; mapping the list gives an array, so the type is restated.
  return Type.Union(
    values.map((value) => Type.Literal(value)),
    options,
  ) as unknown as TUnion<Literals<T>>
}
