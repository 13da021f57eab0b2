// Helpers shared by the critique page (coach.js) and the role-play page (roleplay.js).
// Loaded first (deferred scripts run in document order).
"use strict";

window.CoachUI = {
  // Build an element; "text" sets textContent, so user and model text is never parsed as HTML.
  el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (k === "text") node.textContent = v;
      else if (k === "class") node.className = v;
      else node.setAttribute(k, v);
    }
    for (const c of children) if (c) node.append(c);
    return node;
  },
};
