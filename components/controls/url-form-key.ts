/**
 * The key of a GET form whose fields start from the URL (`defaultValue`). "Clear" and "Reset"
 * links, tabs and the back button navigate on the client, and a `<select>` whose defaultValue
 * changes keeps its old choice: without a key that changes with the URL, the overview's filters
 * and the log search kept showing, and the next submit re-sent, the previous filters.
 */
export function urlFormKey(state: unknown): string {
  return JSON.stringify(state) ?? '';
}
