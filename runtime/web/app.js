// edgedigits page: draw, drop or pick an image, or film digits, and show what POST /v1/read reads.
// Plain JavaScript, no build step, no CDN: everything comes from the server that serves this file.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const KEY_STORE = "edgedigits.apiKey";
  const MAX_SIDE = 2000;        // an image is scaled to this longest side before it is sent
  const CAMERA_WIDTH = 640;     // camera frames are sent at this width (or less)
  const CAMERA_PERIOD_MS = 80;  // at most about 12 frames a second
  const STEADY_FRAMES = 7;      // the camera's reading is the most frequent of the last frames' readings

  let apiKey = localStorage.getItem(KEY_STORE) || "";
  let retry = null;             // what to do again once an API key is given

  // ------------------------------------------------------------------------------------ the API

  class ReadError extends Error {}

  async function readImage(blob, signal) {
    const headers = { "Content-Type": blob.type || "application/octet-stream" };
    if (apiKey) headers["X-API-Key"] = apiKey;
    const started = performance.now();
    let response;
    try {
      // Relative, as every URL of the page: it works with the app mounted under a prefix (/digits/v1/read).
      response = await fetch("v1/read", { method: "POST", body: blob, headers, signal });
    } catch (error) {
      if (error.name === "AbortError") throw error;
      throw new ReadError("The server cannot be reached: is `edgedigits serve` still running?");
    }
    let body = null;
    try { body = await response.json(); } catch (_) { /* not JSON: said below */ }
    if (response.status === 401) {
      askForKey();
      throw new ReadError(apiKey ? "That API key is not this server's: enter the right one."
        : "This server needs an API key: enter it to read.");
    }
    if (!response.ok) throw new ReadError((body && body.error) || `The server answered ${response.status}.`);
    body.roundTripMs = performance.now() - started;
    return body;
  }

  const toBlob = (canvas, type, quality) =>
    new Promise((resolve) => canvas.toBlob(resolve, type, quality));
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  // ------------------------------------------------------------------------------------ the reading

  const result = $("result"), readingEl = $("reading"), frameEl = $("frame-reading");
  const digitsEl = $("digits"), statusEl = $("status");

  function grade(confidence) {
    return confidence >= 0.9 ? "good" : confidence >= 0.5 ? "fair" : "poor";
  }

  // A multi-page TIFF or PDF: each page's reading on a line of its own, its lines joined by " / ", as classify
  // shows pages (the pages' lines ran together, with nothing to say where a page ended); undefined for one page.
  function pagesText(record) {
    if (!(record.pages > 1) || !Array.isArray(record.page_texts)) return undefined;
    return record.page_texts
      .map((t, i) => `page ${i + 1}: ${t ? t.split("\n").join(" / ") : "no digits"}`)
      .join("\n");
  }

  function showReading(record, source, shownText) {
    const text = shownText === undefined ? (pagesText(record) ?? record.text) : shownText;
    readingEl.textContent = text || "no digits";
    readingEl.classList.toggle("empty", !text);
    digitsEl.replaceChildren(...record.digits.map((d) => {
      const li = document.createElement("li");
      li.className = grade(d.confidence);
      li.title = `digit ${d.digit}, confidence ${(d.confidence * 100).toFixed(1)}%, box ${d.box.join(" ")}`;
      const digit = document.createElement("span");
      digit.className = "d";
      digit.textContent = d.digit;
      const percent = document.createElement("span");
      percent.className = "p";
      percent.textContent = `${Math.round(d.confidence * 100)}%`;
      const bar = document.createElement("span");
      bar.className = "bar";
      const fill = document.createElement("i");
      fill.style.width = `${Math.max(2, d.confidence * 100)}%`;
      bar.append(fill);
      li.append(digit, bar, percent);
      return li;
    }));
    const t = record.timings_ms || {};
    const server = t.total !== undefined ? `${t.total.toFixed(1)} ms on the server` : "";
    const stages = t.decode !== undefined
      ? ` (decode ${t.decode.toFixed(1)} · find ${t.extract.toFixed(1)} · network ${t.infer.toFixed(1)})` : "";
    const count = record.digits.length;
    const pages = record.pages > 1 ? ` on ${record.pages} pages` : "";
    statusEl.textContent = `${count} digit${count === 1 ? "" : "s"}${pages} · ${server}${stages}`;
    statusEl.classList.remove("error");
    result.dataset.source = source;
    result.dataset.text = text;
    result.dataset.count = String(Number(result.dataset.count || 0) + 1);
  }

  // The server's sentence, as a sentence, or after the name of the file it is about (that name as it is:
  // "notes.png: the body is not an image ..."); what was read before is cleared so it is not taken for this.
  function showError(message, keepReading = false, fileName = "") {
    if (!keepReading) showIdle("");
    statusEl.textContent = fileName ? `${fileName}: ${message}` : message.charAt(0).toUpperCase() + message.slice(1);
    statusEl.classList.add("error");
    result.dataset.error = message;
  }

  function showIdle(message) {
    readingEl.textContent = "—";
    readingEl.classList.add("empty");
    frameEl.hidden = true;
    digitsEl.replaceChildren();
    statusEl.textContent = message;
    statusEl.classList.remove("error");
    result.dataset.text = "";
  }

  // Boxes with their digit and confidence, on a 2D context; (sx, sy) scale image pixels to the context's.
  function drawBoxes(ctx, digits, sx, sy, ox = 0, oy = 0) {
    const unit = Math.max(1.5, Math.min(ctx.canvas.width, ctx.canvas.height) / 220);
    ctx.save();
    ctx.lineWidth = unit * 1.4;
    ctx.font = `600 ${Math.round(unit * 8)}px system-ui, sans-serif`;
    ctx.textBaseline = "bottom";
    for (const d of digits) {
      const [x, y, w, h] = d.box;
      const X = ox + x * sx, Y = oy + y * sy, W = w * sx, H = h * sy;
      const colour = { good: "#17a06a", fair: "#d9961f", poor: "#e04848" }[grade(d.confidence)];
      ctx.strokeStyle = colour;
      ctx.beginPath();
      ctx.roundRect ? ctx.roundRect(X, Y, W, H, unit * 2) : ctx.rect(X, Y, W, H);
      ctx.stroke();
      // The digit and its confidence; only the digit where the box is too narrow for both.
      let label = `${d.digit} ${Math.round(d.confidence * 100)}%`;
      if (ctx.measureText(label).width > W + unit * 4) label = String(d.digit);
      const tw = ctx.measureText(label).width + unit * 4, th = unit * 10;
      const ly = Y - th < 0 ? Y + H + th : Y;
      ctx.fillStyle = colour;
      ctx.fillRect(X - ctx.lineWidth / 2, ly - th, tw, th);
      ctx.fillStyle = "#fff";
      ctx.fillText(label, X + unit * 2 - ctx.lineWidth / 2, ly - unit * 1.5);
    }
    ctx.restore();
  }

  // ------------------------------------------------------------------------------------ tabs

  const tabs = ["draw", "image", "camera"];
  let activeTab = "draw";

  function selectTab(name) {
    if (name === activeTab) return;
    if (activeTab === "camera") stopCamera();
    activeTab = name;
    for (const tab of tabs) {
      $(`tab-${tab}`).setAttribute("aria-selected", String(tab === name));
      $(`tab-${tab}`).tabIndex = tab === name ? 0 : -1;
      $(`panel-${tab}`).hidden = tab !== name;
    }
    if (name === "draw") { sizeDrawing(); strokes.length ? scheduleRead(0) : showIdle("Write a number in the box."); }
    if (name === "image") { lastImage ? showLastImage() : showIdle("Drop an image, choose a file or paste one."); }
    if (name === "camera") showIdle("Start the camera and hold a written number in front of it.");
  }

  for (const tab of tabs) {
    const button = $(`tab-${tab}`);
    button.addEventListener("click", () => selectTab(tab));
    // One Tab stop for the list (the selected tab, tabindex 0; the others -1 from the start, in the HTML);
    // the arrows go round the tabs, Home and End to the first and the last.
    button.addEventListener("keydown", (event) => {
      const here = tabs.indexOf(tab);
      const to = { ArrowRight: here + 1, ArrowLeft: here - 1, Home: 0, End: tabs.length - 1 }[event.key];
      if (to === undefined) return;
      event.preventDefault();
      const next = tabs[(to + tabs.length) % tabs.length];
      selectTab(next);
      $(`tab-${next}`).focus();
    });
  }

  // ------------------------------------------------------------------------------------ draw

  const drawCanvas = $("draw-canvas"), drawOverlay = $("draw-overlay"), drawHint = $("draw-hint");
  const showBoxes = $("show-boxes");
  const strokes = [];          // each a list of [x, y] in 0..1 of the canvas, so a resize keeps the drawing
  let stroke = null, pointerId = null, readTimer = null, inFlight = null, lastDrawing = null;

  function sizeDrawing() {
    const rect = drawCanvas.getBoundingClientRect();
    if (!rect.width) return;
    const ratio = Math.min(window.devicePixelRatio || 1, 2);
    const w = Math.round(rect.width * ratio), h = Math.round(rect.height * ratio);
    if (drawCanvas.width === w && drawCanvas.height === h) return;
    for (const canvas of [drawCanvas, drawOverlay]) { canvas.width = w; canvas.height = h; }
    paintDrawing();
    clearOverlay();
  }

  const penWidth = () => Math.max(3, drawCanvas.height * 0.036);

  function paintStroke(ctx, points) {
    const w = ctx.canvas.width, h = ctx.canvas.height;
    ctx.beginPath();
    if (points.length === 1) {
      ctx.arc(points[0][0] * w, points[0][1] * h, penWidth() / 2, 0, 2 * Math.PI);
      ctx.fill();
      return;
    }
    ctx.moveTo(points[0][0] * w, points[0][1] * h);
    for (let i = 1; i < points.length - 1; i++) {  // through the midpoints: smooth curves
      const mx = (points[i][0] + points[i + 1][0]) / 2, my = (points[i][1] + points[i + 1][1]) / 2;
      ctx.quadraticCurveTo(points[i][0] * w, points[i][1] * h, mx * w, my * h);
    }
    const last = points[points.length - 1];
    ctx.lineTo(last[0] * w, last[1] * h);
    ctx.stroke();
  }

  function paintDrawing() {
    const ctx = drawCanvas.getContext("2d");
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, drawCanvas.width, drawCanvas.height);
    ctx.strokeStyle = ctx.fillStyle = "#161a2b";
    ctx.lineWidth = penWidth();
    ctx.lineCap = ctx.lineJoin = "round";
    for (const points of strokes) paintStroke(ctx, points);
    drawHint.hidden = strokes.length > 0;
  }

  function clearOverlay() {
    drawOverlay.getContext("2d").clearRect(0, 0, drawOverlay.width, drawOverlay.height);
  }

  function paintDrawingBoxes() {
    clearOverlay();
    if (lastDrawing && showBoxes.checked) {
      drawBoxes(drawOverlay.getContext("2d"), lastDrawing.digits, 1, 1);
    }
  }

  function point(event) {
    const rect = drawCanvas.getBoundingClientRect();
    return [(event.clientX - rect.left) / rect.width, (event.clientY - rect.top) / rect.height];
  }

  drawCanvas.addEventListener("pointerdown", (event) => {
    if (pointerId !== null || (event.pointerType === "mouse" && event.button !== 0)) return;
    event.preventDefault();
    pointerId = event.pointerId;
    drawCanvas.setPointerCapture(event.pointerId);
    clearTimeout(readTimer);
    stroke = [point(event)];
    strokes.push(stroke);
    lastDrawing = null;
    clearOverlay();
    paintDrawing();
  });

  drawCanvas.addEventListener("pointermove", (event) => {
    if (event.pointerId !== pointerId || !stroke) return;
    const events = event.getCoalescedEvents ? event.getCoalescedEvents() : [];
    for (const e of events.length ? events : [event]) stroke.push(point(e));
    paintDrawing();
  });

  function endStroke(event) {
    if (event.pointerId !== pointerId) return;
    pointerId = null;
    stroke = null;
    scheduleRead(350);
  }
  drawCanvas.addEventListener("pointerup", endStroke);
  drawCanvas.addEventListener("pointercancel", endStroke);

  function scheduleRead(delay) {
    clearTimeout(readTimer);
    readTimer = setTimeout(readDrawing, delay);
  }

  async function readDrawing() {
    if (inFlight) inFlight.abort();
    if (!strokes.length) { lastDrawing = null; clearOverlay(); showIdle("Write a number in the box."); return; }
    const controller = new AbortController();
    inFlight = controller;
    statusEl.textContent = "Reading…";
    statusEl.classList.remove("error");
    retry = readDrawing;
    try {
      const blob = await toBlob(drawCanvas, "image/png");
      const record = await readImage(blob, controller.signal);
      if (controller.signal.aborted || activeTab !== "draw") return;
      lastDrawing = record;
      showReading(record, "draw");
      paintDrawingBoxes();
    } catch (error) {
      if (error.name !== "AbortError") showError(error.message);
    } finally {
      if (inFlight === controller) inFlight = null;
    }
  }

  $("draw-clear").addEventListener("click", () => {
    strokes.length = 0;
    paintDrawing();
    scheduleRead(0);
  });
  $("draw-undo").addEventListener("click", () => {
    strokes.pop();
    paintDrawing();
    scheduleRead(0);
  });
  showBoxes.addEventListener("change", paintDrawingBoxes);

  let resizeTimer = null;
  window.addEventListener("resize", () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => {
      const before = drawCanvas.width;
      sizeDrawing();
      if (activeTab === "draw" && strokes.length && drawCanvas.width !== before) scheduleRead(0);
    }, 150);
  });

  // ------------------------------------------------------------------------------------ image

  const drop = $("drop"), fileInput = $("file-input"), imageStage = $("image-stage");
  const imageCanvas = $("image-canvas"), imageActions = $("image-actions"), fileNameEl = $("file-name");
  let lastImage = null;        // {canvas: the image as sent (null: the browser cannot show it), record, name}

  let skipped = "";            // the note on the files dropped together with the one read

  // The first image of those dropped or picked; the others are named as not read (one image at a time).
  function openFiles(files) {
    const list = [...(files || [])];
    skipped = list.length > 1 ? ` · one image at a time: ${list.length - 1} more not read (${
      list.slice(1, 4).map((f) => f.name).join(", ")}${list.length > 4 ? ", …" : ""})` : "";
    openFile(list[0]);
  }

  async function openFile(file) {
    if (!file) return;
    selectTab("image");
    statusEl.textContent = `Reading ${file.name || "the image"}…`;
    statusEl.classList.remove("error");
    retry = () => openFile(file);
    let bitmap = null;
    try { bitmap = await createImageBitmap(file); } catch (_) { bitmap = null; }
    try {
      if (!bitmap) {  // the browser cannot open it (a TIFF, a PDF, notes, ...): its bytes are sent as they are,
        // typed by nothing but themselves, and the server reads them or says what the file is
        if (!file.size) throw new ReadError(`${file.name || "The file"} is empty (0 bytes): choose the image again.`);
        const record = await readImage(new Blob([file], { type: "application/octet-stream" }));
        lastImage = { canvas: null, record, name: file.name || "pasted image" };
        if (activeTab === "image") showLastImage();
        return;
      }
      // Sent as drawn here: the browser has applied the photo's EXIF rotation, so boxes match what is shown.
      const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
      const canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      bitmap.close();
      const jpeg = /jpe?g/i.test(file.type);
      const blob = await toBlob(canvas, jpeg ? "image/jpeg" : "image/png", 0.92);
      const record = await readImage(blob);
      lastImage = { canvas, record, name: file.name || "pasted image" };
      if (activeTab === "image") showLastImage();
    } catch (error) {
      lastImage = null;
      showDropZone();
      showError(error.message, false, file.name);
    }
  }

  // The last image with its boxes, or only its reading when the browser cannot show it (the drop zone stays).
  function showLastImage() {
    const { canvas, record, name } = lastImage;
    if (canvas) {
      imageCanvas.width = canvas.width;
      imageCanvas.height = canvas.height;
      const ctx = imageCanvas.getContext("2d");
      ctx.drawImage(canvas, 0, 0);
      drawBoxes(ctx, record.digits, 1, 1);
      drop.hidden = true;
      imageStage.hidden = imageActions.hidden = false;
      fileNameEl.textContent = `${name} · ${canvas.width}×${canvas.height}`;
    } else {
      showDropZone();
    }
    showReading(record, "image");
    statusEl.textContent = `${name} · ${statusEl.textContent}` +
      (canvas ? "" : " · this browser cannot show this image, so its boxes are not drawn (the server read it)") +
      skipped;
  }

  function showDropZone() {
    drop.hidden = false;
    imageStage.hidden = imageActions.hidden = true;
  }

  $("image-other").addEventListener("click", () => fileInput.click());
  fileInput.addEventListener("change", () => { openFiles(fileInput.files); fileInput.value = ""; });
  const imagePanel = $("panel-image");  // drop onto the zone, or onto the image shown, to read another
  imagePanel.addEventListener("dragover", (event) => { event.preventDefault(); imagePanel.classList.add("over"); });
  imagePanel.addEventListener("dragleave", () => imagePanel.classList.remove("over"));
  imagePanel.addEventListener("drop", (event) => {
    event.preventDefault();
    event.stopPropagation();
    imagePanel.classList.remove("over");
    openFiles(event.dataTransfer.files);
  });
  document.addEventListener("paste", (event) => {
    const item = [...(event.clipboardData ? event.clipboardData.items : [])]
      .find((i) => i.kind === "file" && i.type.startsWith("image/"));
    if (item) openFiles([item.getAsFile()]);
  });
  // A file dropped anywhere else (the Draw tab, the header) is read too: the browser would leave the page to show it.
  window.addEventListener("dragover", (event) => event.preventDefault());
  window.addEventListener("drop", (event) => {
    event.preventDefault();
    if (event.dataTransfer && event.dataTransfer.files.length) openFiles(event.dataTransfer.files);
  });

  // ------------------------------------------------------------------------------------ camera

  const video = $("video"), cameraOverlay = $("camera-overlay"), cameraToggle = $("camera-toggle");
  const cameraHint = $("camera-hint"), fpsEl = $("camera-fps");
  let stream = null, running = false, history = [], frameTimes = [];

  function cameraProblem(error) {
    if (!window.isSecureContext || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      return "The camera needs a secure page: open this page as http://localhost on the server's machine, or " +
        "serve it over HTTPS. On a phone, the Image tab can take a photo instead.";
    }
    const name = error && error.name;
    if (name === "NotAllowedError") return "The camera was not allowed: allow it in the browser's site settings.";
    if (name === "NotFoundError" || name === "OverconstrainedError") return "No camera was found.";
    if (name === "NotReadableError") return "The camera is in use by another program.";
    return `The camera could not start (${(error && error.message) || name}).`;
  }

  async function startCamera() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) { showError(cameraProblem()); return; }
    cameraToggle.disabled = true;
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        video: { facingMode: { ideal: "environment" }, width: { ideal: 640 }, height: { ideal: 480 } },
        audio: false,
      });
      video.srcObject = stream;
      await video.play();
    } catch (error) {
      stopCamera();
      showError(cameraProblem(error));
      return;
    } finally {
      cameraToggle.disabled = false;
    }
    running = true;
    result.setAttribute("aria-live", "off");  // a dozen readings a second would drown a screen reader
    history = [];
    frameTimes = [];
    cameraHint.hidden = true;
    cameraToggle.textContent = "Stop camera";
    cameraToggle.classList.remove("primary");
    statusEl.textContent = "Reading live…";
    cameraLoop();
  }

  function stopCamera() {
    running = false;
    result.setAttribute("aria-live", "polite");
    if (stream) stream.getTracks().forEach((track) => track.stop());
    stream = null;
    video.srcObject = null;
    cameraHint.hidden = false;
    cameraToggle.textContent = "Start camera";
    cameraToggle.classList.add("primary");
    fpsEl.textContent = "";
    cameraOverlay.getContext("2d").clearRect(0, 0, cameraOverlay.width, cameraOverlay.height);
  }

  async function cameraLoop() {
    const grab = document.createElement("canvas");
    while (running) {
      const began = performance.now();
      if (video.readyState < 2 || !video.videoWidth) { await sleep(50); continue; }
      const scale = Math.min(1, CAMERA_WIDTH / video.videoWidth);
      grab.width = Math.round(video.videoWidth * scale);
      grab.height = Math.round(video.videoHeight * scale);
      grab.getContext("2d").drawImage(video, 0, 0, grab.width, grab.height);
      try {
        const record = await readImage(await toBlob(grab, "image/jpeg", 0.85));
        if (!running) break;
        showFrame(record, grab.width, grab.height);
      } catch (error) {
        if (!running) break;
        showError(error.message, true);
        await sleep(1000);
      }
      await sleep(Math.max(0, CAMERA_PERIOD_MS - (performance.now() - began)));
    }
  }

  function steadyText() {  // the most frequent reading of the last frames; a tie goes to the latest
    const counts = new Map();
    history.forEach((text) => counts.set(text, (counts.get(text) || 0) + 1));
    let best = history[history.length - 1], most = 0;
    for (let i = history.length - 1; i >= 0; i--) {
      if (counts.get(history[i]) > most) { best = history[i]; most = counts.get(history[i]); }
    }
    return best;
  }

  function showFrame(record, width, height) {
    history.push(record.text);
    if (history.length > STEADY_FRAMES) history.shift();
    const now = performance.now();
    frameTimes.push(now);
    while (frameTimes.length && now - frameTimes[0] > 2000) frameTimes.shift();
    const steady = steadyText();
    showReading(record, "camera", steady);
    frameEl.hidden = false;
    frameEl.textContent = `this frame: ${record.text || "no digits"}`;
    const fps = frameTimes.length > 1 ? (frameTimes.length - 1) / ((now - frameTimes[0]) / 1000) : 0;
    fpsEl.textContent = `${fps.toFixed(1)} frames/s`;
    // The overlay covers the stage; the video is letterboxed in it (object-fit: contain).
    const rect = cameraOverlay.getBoundingClientRect();
    const ratio = Math.min(window.devicePixelRatio || 1, 2);
    cameraOverlay.width = Math.round(rect.width * ratio);
    cameraOverlay.height = Math.round(rect.height * ratio);
    const fit = Math.min(cameraOverlay.width / width, cameraOverlay.height / height);
    const ox = (cameraOverlay.width - width * fit) / 2, oy = (cameraOverlay.height - height * fit) / 2;
    const ctx = cameraOverlay.getContext("2d");
    ctx.clearRect(0, 0, cameraOverlay.width, cameraOverlay.height);
    drawBoxes(ctx, record.digits, fit, fit, ox, oy);
  }

  cameraToggle.addEventListener("click", () => (running || stream ? stopCamera() : startCamera()));
  document.addEventListener("visibilitychange", () => { if (document.hidden && running) stopCamera(); });

  // ------------------------------------------------------------------------------------ API key

  const keyDialog = $("key-dialog"), keyInput = $("key-input"), keyButton = $("key-button");

  function askForKey() {
    keyButton.hidden = false;
    if (!keyDialog.open) {
      keyInput.value = apiKey;
      keyDialog.showModal();
    }
  }
  $("key-form").addEventListener("submit", () => {
    apiKey = keyInput.value.trim();
    localStorage.setItem(KEY_STORE, apiKey);
    if (retry) retry();
  });
  $("key-cancel").addEventListener("click", () => keyDialog.close());
  keyButton.addEventListener("click", askForKey);

  // ------------------------------------------------------------------------------------ start

  sizeDrawing();
  paintDrawing();
  document.documentElement.dataset.ready = "true";
})();
