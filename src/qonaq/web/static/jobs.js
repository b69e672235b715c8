// Watches a queued or running job (#job): updates its status and progress every second,
// and reloads the page once it is done or failed, to show its result or its reason.
(function () {
  const POLL_MS = 1000;
  const card = document.getElementById("job");
  if (!card || card.dataset.status === "done" || card.dataset.status === "failed") return;

  async function poll() {
    let job;
    try {
      const response = await fetch(card.dataset.jobUrl, { credentials: "same-origin" });
      if (!response.ok) return setTimeout(poll, POLL_MS * 3);
      job = await response.json();
    } catch (error) {
      return setTimeout(poll, POLL_MS * 3); // the server restarting: try again shortly
    }
    const word = card.dataset["word" + job.status.charAt(0).toUpperCase() + job.status.slice(1)];
    document.getElementById("job-status").textContent = word || job.status;
    document.getElementById("job-percent").textContent = String(job.progress);
    document.getElementById("job-progress").value = job.progress;
    card.dataset.status = job.status;
    if (job.status === "done" || job.status === "failed") {
      window.location.reload();
      return;
    }
    setTimeout(poll, POLL_MS);
  }

  setTimeout(poll, POLL_MS);
})();
