/** The header row of a data table; an empty column name is read out as `Actions`. */
export function TableHead({ columns }: { columns: readonly string[] }) {
  return (
    <thead>
      <tr>
        {columns.map((column) => (
          <th key={column} scope="col">
            {column || <span className="visually-hidden">Actions</span>}
          </th>
        ))}
      </tr>
    </thead>
  );
}
