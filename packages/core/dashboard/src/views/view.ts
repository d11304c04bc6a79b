/** A page of the dashboard: its element, and what to undo when another page is shown. */
export interface View {
  el: HTMLElement;
  dispose(): void;
}
