// @vitest-environment happy-dom
import { describe, expect, it } from "vitest";
import { renderMarkdown, toggleTask } from "./markdown";

describe("task lists", () => {
  const source = "Plan:\n- [ ] book the room\n- [x] order lunch\n  * [ ] nested\n1. [ ] numbered\n- [] not a task";

  it("render as checkboxes in order, live only when asked", () => {
    const live = renderMarkdown(source, { tasks: true });
    expect(live.match(/data-task="\d"/g)).toEqual(['data-task="0"', 'data-task="1"', 'data-task="2"', 'data-task="3"']);
    expect(live).toContain('data-task="1" data-focus-key="task-1" checked');
    // Each box keeps its focus by its place as the preview is drawn anew (keepFocus).
    expect(live.match(/data-focus-key="task-\d"/g)).toHaveLength(4);
    const still = renderMarkdown(source);
    expect(still).not.toContain("data-task");
    expect(still.match(/disabled/g)).toHaveLength(4);
  });

  it("tick and untick the right line of the source", () => {
    expect(toggleTask(source, 0)).toContain("- [x] book the room");
    expect(toggleTask(source, 1)).toContain("- [ ] order lunch");
    expect(toggleTask(source, 2)).toContain("  * [x] nested");
    expect(toggleTask(source, 3)).toContain("1. [x] numbered");
    expect(toggleTask(source, 9)).toBe(source);
  });
});
