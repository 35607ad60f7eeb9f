// Live progress, polled from the app's JSON (no inline script: the CSP allows only this file).
(function () {
  async function getJson(url) {
    const answer = await fetch(url, { credentials: "same-origin" });
    if (!answer.ok) throw new Error(answer.status);
    return answer.json();
  }

  // The backfill's bars, rate/ETA text and queue depth every two seconds.
  const box = document.getElementById("sync");
  if (box) {
    setInterval(async function () {
      try {
        const data = await getJson(box.dataset.url);
        for (const c of data.cursors) {
          const bar = box.querySelector(`progress[data-cursor="${c.id}"]`);
          if (!bar) { location.reload(); return; }
          const text = box.querySelector(`.progress-text[data-cursor="${c.id}"]`);
          bar.max = c.total || 1; bar.value = c.done;
          if (text) text.textContent = c.text;
        }
        document.getElementById("queued").textContent = data.queued;
        document.getElementById("last").textContent = data.last || "none yet";
      } catch (e) { /* the next tick tries again */ }
    }, 2000);
  }

  // A preview waiting or running: its sentence and bars from its status; when its state changes
  // (finished, cancelled, no worker picking it up) the page is reloaded to show what comes next.
  const preview = document.getElementById("preview-live");
  if (preview) {
    const timer = setInterval(async function () {
      try {
        const data = await getJson(preview.dataset.url);
        if (data.state !== preview.dataset.state) { clearInterval(timer); location.reload(); return; }
        document.getElementById("preview-message").textContent = data.message;
        for (const o of data.objects) {
          const bar = preview.querySelector(`progress[data-object="${o.object_type}"]`);
          if (!bar) { clearInterval(timer); location.reload(); return; }
          const text = preview.querySelector(`.progress-text[data-object="${o.object_type}"]`);
          bar.max = o.total || 1; bar.value = o.total ? Math.min(o.done, o.total) : 0;
          if (text) text.textContent = o.text;
        }
      } catch (e) { /* the next tick tries again */ }
    }, 2000);
  }
})();
