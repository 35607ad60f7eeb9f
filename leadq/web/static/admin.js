// Live sync progress: refresh the bars, rate/ETA text and queue depth every two seconds.
(function () {
  const box = document.getElementById("sync");
  if (!box) return;
  async function refresh() {
    try {
      const answer = await fetch(box.dataset.url, { credentials: "same-origin" });
      if (!answer.ok) return;
      const data = await answer.json();
      for (const c of data.cursors) {
        if (!box.querySelector(`progress[data-cursor="${c.id}"]`)) { location.reload(); return; }
        const bar = box.querySelector(`progress[data-cursor="${c.id}"]`);
        const text = box.querySelector(`.progress-text[data-cursor="${c.id}"]`);
        if (bar) { bar.max = c.total || 1; bar.value = c.done; }
        if (text) text.textContent = c.text;
      }
      document.getElementById("queued").textContent = data.queued;
      document.getElementById("last").textContent = data.last || "none yet";
    } catch (e) { /* the next tick tries again */ }
  }
  setInterval(refresh, 2000);
})();
