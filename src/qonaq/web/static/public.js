// The public forms' flood guard: find a number whose SHA-256 with the server's challenge
// starts with the challenge's zero bits (hashcash), then send it with the form.
(function () {
  const encoder = new TextEncoder();
  const BATCH = 64;

  function zeroBits(bytes) {
    let count = 0;
    for (const byte of bytes) {
      if (byte) return count + Math.clz32(byte) - 24;
      count += 8;
    }
    return count;
  }

  async function solve(challenge) {
    const bits = parseInt(challenge.split(".")[2], 10);
    for (let start = 0; ; start += BATCH) {
      const tries = [];
      for (let n = start; n < start + BATCH; n++) {
        tries.push(crypto.subtle.digest("SHA-256", encoder.encode(challenge + ":" + n)));
      }
      const digests = await Promise.all(tries);
      for (let i = 0; i < BATCH; i++) {
        if (zeroBits(new Uint8Array(digests[i])) >= bits) return start + i;
      }
    }
  }

  document.querySelectorAll("form[data-challenge]").forEach(function (form) {
    const challenge = form.querySelector("input[name=challenge]").value;
    if (!/^\d+\.[0-9a-f]+\.\d+\.[0-9a-f]+$/.test(challenge)) return;
    const answer = form.querySelector("input[name=challenge_answer]");
    const solved = solve(challenge).then(function (n) { answer.value = String(n); });
    form.addEventListener("submit", function (event) {
      if (answer.value) return;
      // typed faster than the puzzle was solved: send as soon as it is
      event.preventDefault();
      solved.then(function () { form.submit(); });
    });
  });
})();
