// @vitest-environment happy-dom
import { afterEach, describe, expect, test } from "vitest";
import { keepFocus } from "./focus";

/** Columns as the board draws them: the second holds a card composer. */
function board(): { columns: HTMLElement; todo: HTMLElement; doing: HTMLElement; input: HTMLInputElement } {
  document.body.innerHTML = `
    <div id="columns">
      <section id="todo"><button id="card">A card</button></section>
      <section id="doing"><input id="composer"></section>
    </div>
    <button id="elsewhere">Elsewhere</button>`;
  const get = (id: string) => document.getElementById(id) as HTMLElement;
  return { columns: get("columns"), todo: get("todo"), doing: get("doing"), input: get("composer") as HTMLInputElement };
}

/** Mutation observers report after the current task's microtasks. */
const settled = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("keepFocus", () => {
  let release: (() => void) | null = null;
  afterEach(() => release?.());

  test("a box being typed in keeps the focus and its caret when a teammate's change moves its column", async () => {
    const { columns, todo, doing, input } = board();
    release = keepFocus(columns);
    input.focus();
    input.value = "Ada 9";
    input.setSelectionRange(3, 3);
    // The engine takes the focus away as the column is moved (without a blur), as WebKit does.
    columns.insertBefore(doing, todo);
    expect(document.activeElement).toBe(document.body);
    await settled();
    expect(document.activeElement).toBe(input);
    expect([input.selectionStart, input.selectionEnd]).toEqual([3, 3]);
  });

  test("a card with the keyboard focus keeps it when it is moved", async () => {
    const { columns, doing } = board();
    release = keepFocus(columns);
    const card = document.getElementById("card") as HTMLElement;
    card.focus();
    doing.appendChild(card);
    await settled();
    expect(document.activeElement).toBe(card);
  });

  test("a focused card that a teammate moves to another column, drawn anew there, keeps the focus", async () => {
    const { columns, doing } = board();
    release = keepFocus(columns);
    const card = document.getElementById("card") as HTMLElement;
    card.dataset.focusKey = "card-c1";
    card.focus();
    card.remove();
    const drawn = document.createElement("button");
    drawn.dataset.focusKey = "card-c1";
    doing.appendChild(drawn);
    await settled();
    expect(document.activeElement).toBe(drawn);
  });

  test("a focus the person moved away is not brought back, nor one on an element taken off the page", async () => {
    const { columns, todo, doing, input } = board();
    release = keepFocus(columns);
    input.focus();
    input.blur();
    columns.insertBefore(doing, todo);
    await settled();
    expect(document.activeElement).toBe(document.body);

    input.focus();
    (document.getElementById("elsewhere") as HTMLElement).focus();
    columns.insertBefore(todo, doing);
    await settled();
    expect(document.activeElement?.id).toBe("elsewhere");

    input.focus();
    doing.remove();
    await settled();
    expect(document.activeElement).toBe(document.body);
  });

  /** The archive's list as ArchivePanel draws it: a card row (open, restore), a column row (restore), a card row. */
  function shelf(): { panel: HTMLElement; list: HTMLElement; row: (i: number) => HTMLElement } {
    document.body.innerHTML = `
      <aside id="panel">
        <button role="tab" aria-selected="true" id="tab">Archived</button>
        <div class="scroll">
          <ul id="list" data-focus-then="[role=tab][aria-selected=true]">
            <li data-focus-row><button data-focus-role="open">Plan</button><button data-focus-role="restore">Restore</button></li>
            <li data-focus-row><span>Ideas</span><button data-focus-role="restore">Restore</button></li>
            <li data-focus-row><button data-focus-role="open">Venue</button><button data-focus-role="restore">Restore</button></li>
          </ul>
        </div>
      </aside>`;
    const list = document.getElementById("list") as HTMLElement;
    return {
      panel: document.getElementById("panel") as HTMLElement,
      list,
      row: (i: number) => list.children[i] as HTMLElement,
    };
  }
  const restoreIn = (row: HTMLElement) => row.querySelector<HTMLElement>("[data-focus-role=restore]") as HTMLElement;

  test("a row that goes (restored, by the person's button in it or by a teammate) hands the focus to the row now in its place", async () => {
    const { panel, row } = shelf();
    release = keepFocus(panel);
    const first = row(0);
    restoreIn(first).focus();
    first.remove();
    await settled();
    // The column's row, whose Restore is first in it: the focus goes by the control's role, not its place.
    expect(document.activeElement).toBe(restoreIn(row(0)));
    expect(row(0).textContent).toContain("Ideas");
  });

  test("the last row going hands the focus to the one before it, and the list's last to what it names", async () => {
    const { panel, list, row } = shelf();
    release = keepFocus(panel);
    restoreIn(row(2)).focus();
    row(2).remove();
    await settled();
    expect(document.activeElement).toBe(restoreIn(row(1)));

    // The list goes with its last row (the panel then says it is empty).
    row(0).remove();
    await settled();
    expect(document.activeElement).toBe(restoreIn(row(0)));
    list.remove();
    await settled();
    expect(document.activeElement?.id).toBe("tab");
  });

  test("rows added above the focused one while it is focused are counted in its place", async () => {
    const { panel, list, row } = shelf();
    release = keepFocus(panel);
    const plan = row(0);
    (plan.querySelector("[data-focus-role=open]") as HTMLElement).focus();
    const added = document.createElement("li");
    added.setAttribute("data-focus-row", "");
    added.innerHTML = `<button data-focus-role="open">New</button><button data-focus-role="restore">Restore</button>`;
    list.prepend(added);
    await settled();
    plan.remove();
    await settled();
    // Plan was the second row when it went: the focus goes to the row now second, not to the new first one; that
    // row (Ideas, a column) has no title to open, so the next one that has one takes it (Venue's), never another
    // kind of control.
    expect(row(1).textContent).toContain("Ideas");
    expect(document.activeElement?.textContent).toBe("Venue");
  });

  test("a control found by its place is of the same kind: an item's edit box done gives the focus to its tick, not its Delete", async () => {
    document.body.innerHTML = `
      <div id="dialog">
        <div id="list-1"><ul id="items" data-focus-then="[data-add]">
          <li data-focus-row><input type="checkbox"><input id="edit" class="edit"></li>
        </ul><input data-add id="add-1"></div>
        <div id="list-2"><ul><li data-focus-row><input type="checkbox"></li></ul><input data-add id="add-2"></div>
      </div>`;
    const dialog = document.getElementById("dialog") as HTMLElement;
    release = keepFocus(dialog);
    const edit = document.getElementById("edit") as HTMLInputElement;
    edit.focus();
    // Enter: the edit box goes, the item's text and its Delete button come back in the row.
    const row = edit.parentElement as HTMLElement;
    edit.remove();
    const remove = document.createElement("button");
    remove.textContent = "Delete";
    row.append(remove);
    await settled();
    // No control of its kind in the list: what the list names after it, never the Delete button.
    expect(document.activeElement?.id).toBe("add-1");

    // With a role, the tick takes it.
    const again = document.createElement("input");
    again.dataset.focusRole = "tick";
    row.append(again);
    again.focus();
    again.remove();
    (row.querySelector("input[type=checkbox]") as HTMLElement).dataset.focusRole = "tick";
    await settled();
    expect(document.activeElement).toBe(row.querySelector("input[type=checkbox]"));

    // A teammate deletes the whole checklist: the focus does not jump to another checklist's box.
    (document.getElementById("list-1") as HTMLElement).remove();
    await settled();
    expect(document.activeElement).toBe(document.body);
  });

  test("an element drawn anew with the same focus key gets the focus back; a chip that is its own row, its place", async () => {
    document.body.innerHTML = `
      <div id="dialog">
        <div id="chips"><button data-focus-row>Bug</button><button data-focus-row>Idea</button></div>
        <p><button data-focus-key="assign-bea">Assign Bea</button></p>
      </div>`;
    const dialog = document.getElementById("dialog") as HTMLElement;
    release = keepFocus(dialog);
    const assign = dialog.querySelector("[data-focus-key]") as HTMLElement;
    assign.focus();
    assign.remove();
    const drawn = document.createElement("button");
    drawn.dataset.focusKey = "assign-bea";
    dialog.append(drawn);
    await settled();
    expect(document.activeElement).toBe(drawn);

    // A teammate renames the label «Bug»: its chip is drawn anew, in the same place.
    const chips = document.getElementById("chips") as HTMLElement;
    const bug = chips.children[0] as HTMLElement;
    bug.focus();
    const defect = document.createElement("button");
    defect.setAttribute("data-focus-row", "");
    defect.textContent = "Defect";
    chips.replaceChild(defect, bug);
    await settled();
    expect(document.activeElement).toBe(defect);
  });
});
