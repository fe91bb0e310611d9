// Progressive enhancement only: every page works without this file.
document.addEventListener('click', (e) => {
  const t = e.target instanceof Element ? e.target.closest('[data-print]') : null;
  if (t) {
    e.preventDefault();
    window.print();
  }
});
