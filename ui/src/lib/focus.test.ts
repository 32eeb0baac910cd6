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
    card.dataset.cardId = "c1";
    card.focus();
    card.remove();
    const drawn = document.createElement("button");
    drawn.dataset.cardId = "c1";
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
});
