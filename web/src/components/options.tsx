export interface Option {
  value: string | number;
  label: string;
}

/** The <option>s of a <select>. */
export function Options({ items }: { items: readonly Option[] }) {
  return items.map((item) => (
    <option key={item.value} value={item.value}>
      {item.label}
    </option>
  ));
}
