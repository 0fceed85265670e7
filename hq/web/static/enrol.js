// The enrol code's printout: its Print button (an inline handler would break the CSP).
document.getElementById("print")?.addEventListener("click", () => window.print());
