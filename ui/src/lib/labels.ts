// The fixed label palette: ten mid-tone colours that read as a dot or chip on both the light and the dark theme.

export const LABEL_COLORS: { name: string; color: string }[] = [
  { name: "Red", color: "#e5484d" },
  { name: "Orange", color: "#f76b15" },
  { name: "Amber", color: "#e2a336" },
  { name: "Green", color: "#30a46c" },
  { name: "Teal", color: "#12a594" },
  { name: "Cyan", color: "#0797b9" },
  { name: "Blue", color: "#3e7bfa" },
  { name: "Indigo", color: "#6e56cf" },
  { name: "Pink", color: "#d6409f" },
  { name: "Slate", color: "#8b8d98" },
];
