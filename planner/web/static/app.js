// The planner page: builds a PlanRequest from the form, shows the answer and its picture.
// Same-origin only: every URL below is served by this app.
"use strict";

const $ = (id) => document.getElementById(id);
const SEVERITY_ORDER = ["critical", "error", "warning", "caution", "notice", "info"];
let supportsUncertainty = false;
let pictureUrl = null;

function si(value) {
  const scales = [[1e12, "T"], [1e9, "B"], [1e6, "M"], [1e3, "k"]];
  for (const [scale, suffix] of scales) {
    if (Math.abs(value) >= scale) return `${+(value / scale).toPrecision(4)}${suffix}`;
  }
  return `${+value.toPrecision(4)}`;
}

const sci = (value, digits = 4) => Number(value).toPrecision(digits).replace(/\.?0+e/, "e");

function withKey(headers) {
  const key = document.getElementById("api_key")?.value.trim();
  return key ? { ...headers, Authorization: `Bearer ${key}` } : headers;
}

async function getJson(url) {
  const response = await fetch(url, { headers: withKey({ Accept: "application/json" }) });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response.json();
}

function option(value, text) {
  const element = document.createElement("option");
  element.value = value;
  element.textContent = text;
  return element;
}

async function loadChoices() {
  const [laws, hardware, openapi] = await Promise.all([
    getJson("/v1/laws"), getJson("/v1/hardware"), getJson("/openapi.json"),
  ]);
  const lawSelect = $("loss_law");
  for (const law of laws.laws.filter((l) => l.family === "loss" && !l.fit_only)) {
    for (const set of law.constant_sets) {
      const isDefault = set === law.default_constant_set;
      const label = `${law.id}@${set}${isDefault ? " (its default)" : ""} — ${law.reference}`;
      lawSelect.append(option(isDefault ? law.id : `${law.id}@${set}`, label));
    }
  }
  for (const [id, device] of Object.entries(hardware)) {
    $("gpu").append(option(id, device.name || id));
    $("serve_device").append(option(id, device.name || id));
  }
  if ($("gpu").querySelector('option[value="h100_sxm"]')) $("gpu").value = "h100_sxm";
  const plan = openapi.components?.schemas?.PlanRequest?.properties ?? {};
  supportsUncertainty = "uncertainty" in plan;
  $("uncertainty-row").hidden = !supportsUncertainty;
}

function budgetKind() {
  return document.querySelector('input[name="budget_kind"]:checked').value;
}

function showBudgetFields() {
  const kind = budgetKind();
  for (const row of document.querySelectorAll("[data-kinds]")) {
    row.hidden = !row.dataset.kinds.split(" ").includes(kind);
  }
}

// A number when the text is one, else the text itself: the server then names the field.
function number(id) {
  const text = $(id).value.trim();
  if (text === "") return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : text;
}

function requestBody() {
  const kind = budgetKind();
  const budget = {};
  if (kind === "flops") {
    budget.flops = number("flops");
  } else {
    budget.gpu = $("gpu").value;
    budget.mfu = number("mfu");
    if (kind === "gpu") {
      budget.gpu_count = number("gpu_count");
      budget.hours = number("hours");
    } else {
      budget.dollars = number("dollars");
      budget.price_per_gpu_hour = number("price");
    }
  }
  const body = { budget };
  if ($("loss_law").value) body.laws = { loss: $("loss_law").value };
  const maxParams = number("max_params");
  if (maxParams !== undefined) body.constraints = { max_params: maxParams };
  const device = $("serve_device").value;
  const latency = number("max_latency");
  if (device || latency !== undefined) {
    body.inference = {};
    if (device) body.inference.device = device;
    if (latency !== undefined) body.inference.max_decode_latency_ms = latency;
  }
  if (supportsUncertainty && $("uncertainty").checked) body.uncertainty = true;
  return body;
}

function clearErrors() {
  $("form-error").hidden = true;
  $("form-error").textContent = "";
  for (const element of document.querySelectorAll(".field-error")) element.remove();
  for (const element of document.querySelectorAll("[aria-invalid]")) {
    element.removeAttribute("aria-invalid");
  }
}

// The input a 4xx body's `field` names: exact, else the closest enclosing section.
function inputFor(field) {
  if (!field) return null;
  const inputs = [...document.querySelectorAll("[data-field]")].filter((e) => !e.closest("[hidden]"));
  return inputs.find((e) => e.dataset.field === field)
    ?? inputs.find((e) => e.dataset.field.startsWith(`${field}.`))
    ?? inputs.find((e) => field.startsWith(`${e.dataset.field}`))
    ?? null;
}

function markField(field, text) {
  const input = inputFor(field);
  if (!input) return false;
  input.setAttribute("aria-invalid", "true");
  const note = document.createElement("div");
  note.className = "field-error";
  note.dataset.errorFor = field;
  note.textContent = text;
  input.insertAdjacentElement("afterend", note);
  return true;
}

function showError(body, status) {
  const problems = body.errors?.length ? body.errors : [body];
  for (const problem of problems) {
    const allowed = problem.allowed !== undefined && problem.allowed !== null
      ? ` (allowed: ${typeof problem.allowed === "string" ? problem.allowed : JSON.stringify(problem.allowed)})`
      : "";
    markField(problem.field, `${problem.detail}${allowed}`);
  }
  const box = $("form-error");
  const conflict = body.conflicting?.length ? ` Conflicting: ${body.conflicting.join(", ")}.` : "";
  box.textContent = `${body.detail ?? `HTTP ${status}`}${conflict}`;
  box.dataset.field = body.field ?? "";
  box.hidden = false;
}

function summaryRows(answer) {
  const plan = answer.plan;
  const rows = [
    ["params", "parameters", `${si(plan.params)} [${plan.params_definition}]`, plan.params],
    ["tokens", "training tokens", si(plan.tokens), plan.tokens],
    ["tokens-per-param", "tokens per parameter", sci(plan.tokens_per_param), plan.tokens_per_param],
    ["flops", "training compute", `${sci(plan.flops)} FLOPs`, plan.flops],
    ["loss", "predicted loss", `${sci(plan.loss, 5)} nats/token`, plan.loss],
  ];
  const interval = answer.uncertainty?.intervals?.loss;
  if (Array.isArray(interval) && interval.length === 2) {
    rows.push(["loss-interval", "loss interval", `${sci(interval[0], 4)} to ${sci(interval[1], 4)} nats/token`, interval[0]]);
  }
  if (plan.downstream_error != null) {
    rows.push(["downstream", "downstream error", sci(plan.downstream_error), plan.downstream_error]);
  }
  if (plan.epochs != null) {
    rows.push(["epochs", "epochs", `${sci(plan.epochs)} of ${si(plan.unique_tokens ?? 0)} unique`, plan.epochs]);
  }
  if (plan.learning_rate != null) {
    rows.push(["lr", "peak learning rate", sci(plan.learning_rate, 3), plan.learning_rate]);
  }
  if (plan.batch_size_sequences != null) {
    rows.push(["batch", "batch", `${plan.batch_size_sequences} × ${plan.context_length} tokens, ${plan.steps} steps`,
      plan.batch_size_sequences]);
  }
  if (plan.vocab_size != null) rows.push(["vocab", "vocabulary", `${plan.vocab_size} tokens`, plan.vocab_size]);
  if (plan.shape) {
    const s = plan.shape;
    rows.push(["shape", "shape", `${s.n_layer} layers × ${s.d_model} wide, ${s.n_heads} heads of ${s.d_head}` +
      ` (${s.n_kv_heads} KV), d_ff ${s.d_ff}`, s.n_layer]);
  }
  const training = answer.precision?.training;
  if (training) rows.push(["train-format", "training format", `${training.format} (penalty ${sci(training.penalty, 3)} nats)`, training.penalty]);
  const served = answer.inference;
  if (served && served.decode_s_per_token != null) {
    rows.push(["serving", "serving", `${served.serving_format} on ${served.device_count} × ${served.device_name}: ` +
      `${sci(served.decode_s_per_token * 1e3, 3)} ms/token, first token ${sci(served.time_to_first_token_s * 1e3, 3)} ms`,
      served.decode_s_per_token]);
  }
  if (answer.budget.gpu_hours != null) {
    rows.push(["gpu-hours", "GPU-hours", `${si(answer.budget.gpu_hours)} on ${answer.budget.gpu_name}`, answer.budget.gpu_hours]);
  }
  if (answer.budget.dollars != null) rows.push(["cost", "cost", `$${si(answer.budget.dollars)}`, answer.budget.dollars]);
  rows.push(["binding", "binding limits", answer.binding_constraints.join(", ") || "none", answer.binding_constraints.length]);
  return rows;
}

function renderSummary(answer) {
  const laws = answer.provenance.filter((u) => ["loss", "allocation", "hyperparams", "vocabulary"].includes(u.role))
    .map((u) => `${u.role} ${u.law}@${u.constant_set}`).join(", ");
  $("answer-method").textContent = `${answer.objective} by ${answer.method}; ${laws}`;
  const list = $("summary");
  list.replaceChildren();
  for (const [key, label, text, value] of summaryRows(answer)) {
    const term = document.createElement("dt");
    term.textContent = label;
    const detail = document.createElement("dd");
    detail.id = `out-${key}`;
    detail.dataset.value = String(value);
    detail.textContent = text;
    list.append(term, detail);
  }
  const margins = $("margins");
  margins.replaceChildren();
  for (const margin of answer.marginal_values) {
    const item = document.createElement("li");
    const delta = margin.delta == null ? "n/a" : `${margin.delta > 0 ? "+" : ""}${sci(margin.delta, 4)}`;
    item.textContent = `${margin.relaxation} ${margin.resource}: ${margin.effect_on} ${delta}`;
    margins.append(item);
  }
  if (!answer.marginal_values.length) margins.append(Object.assign(document.createElement("li"), { textContent: "none" }));
}

function renderWarnings(warnings) {
  const groups = new Map();
  for (const warning of warnings) {
    const severity = warning.severity ?? "warning";
    if (!groups.has(severity)) groups.set(severity, []);
    groups.get(severity).push(warning);
  }
  const rank = (s) => (SEVERITY_ORDER.includes(s) ? SEVERITY_ORDER.indexOf(s) : SEVERITY_ORDER.length);
  const box = $("warnings");
  box.replaceChildren();
  for (const severity of [...groups.keys()].sort((a, b) => rank(a) - rank(b))) {
    const section = document.createElement("div");
    section.className = `severity ${severity}`;
    section.dataset.severity = severity;
    const title = document.createElement("h4");
    title.textContent = `${severity} (${groups.get(severity).length})`;
    const list = document.createElement("ul");
    for (const warning of groups.get(severity)) {
      const item = document.createElement("li");
      item.textContent = warning.message;
      item.dataset.code = warning.code;
      list.append(item);
    }
    section.append(title, list);
    box.append(section);
  }
  if (!warnings.length) box.textContent = "none";
}

async function drawPicture(body) {
  const status = $("frontier-status");
  status.textContent = "drawing the frontier…";
  const response = await fetch("/v1/plots/frontier?format=svg", {
    method: "POST", headers: withKey({ "Content-Type": "application/json" }), body: JSON.stringify(body),
  });
  if (!response.ok) {
    status.textContent = `no picture: HTTP ${response.status}`;
    return;
  }
  if (pictureUrl) URL.revokeObjectURL(pictureUrl);
  pictureUrl = URL.createObjectURL(await response.blob());
  $("frontier").src = pictureUrl;
  status.textContent = "The plan (star) on its law's frontier; isoFLOP curves at 0.1×, 1× and 10× its budget; " +
    "green: the law's fitted range (dashed: extrapolation).";
}

async function submitPlan(event) {
  event.preventDefault();
  clearErrors();
  const button = $("submit");
  button.disabled = true;
  const body = requestBody();
  try {
    const response = await fetch("/v1/plan", {
      method: "POST", headers: withKey({ "Content-Type": "application/json" }), body: JSON.stringify(body),
    });
    const answer = await response.json().catch(() => ({ detail: `HTTP ${response.status}` }));
    if (!response.ok) {
      showError(answer, response.status);
      return;
    }
    renderSummary(answer);
    renderWarnings(answer.warnings);
    $("answer").hidden = false;
    await drawPicture(body);
  } catch (error) {
    showError({ detail: `the service did not answer: ${error.message}` }, 0);
  } finally {
    button.disabled = false;
  }
}

document.addEventListener("DOMContentLoaded", async () => {
  for (const radio of document.querySelectorAll('input[name="budget_kind"]')) {
    radio.addEventListener("change", showBudgetFields);
  }
  showBudgetFields();
  $("plan-form").addEventListener("submit", submitPlan);
  try {
    await loadChoices();
  } catch (error) {
    showError({ detail: `could not load the catalogue: ${error.message}` }, 0);
  }
  document.body.dataset.ready = "true";
});
