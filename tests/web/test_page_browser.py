"""The planner page in a real headless Chromium against a real server: fill the form, submit,
read the numbers, see the picture and the warnings; errors show next to their field."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.slow

WAIT_SECONDS = 60
# 512 H100 for 21 days at 40 % MFU, served on an H100 within 20 ms per token
GPU_BODY: dict[str, Any] = {
    "budget": {"gpu": "h100_sxm", "mfu": 0.4, "gpu_count": 512, "hours": 504},
    "inference": {"device": "h100_sxm", "max_decode_latency_ms": 20},
}


def _wait(driver: Any, condition: Any) -> Any:
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, WAIT_SECONDS).until(condition)


def _open_page(driver: Any, base: str) -> None:
    driver.get(f"{base}/")
    _wait(driver, lambda d: d.execute_script("return document.body.dataset.ready === 'true'"))


def _fill(driver: Any, values: dict[str, str]) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    for element_id, value in values.items():
        element = driver.find_element(By.ID, element_id)
        if element.tag_name == "select":
            Select(element).select_by_value(value)
        else:
            element.clear()
            element.send_keys(value)


def _submit(driver: Any) -> None:
    from selenium.webdriver.common.by import By

    driver.find_element(By.ID, "submit").click()


def _value(driver: Any, key: str) -> tuple[float, str]:
    from selenium.webdriver.common.by import By

    element = driver.find_element(By.ID, f"out-{key}")
    return float(element.get_attribute("data-value")), element.text


def plan_and_picture(driver: Any, base: str) -> dict[str, Any]:
    """Ask :data:`GPU_BODY` through the form; return the API's answer to the same body."""
    from selenium.webdriver.common.by import By

    _open_page(driver, base)
    driver.find_element(By.CSS_SELECTOR, 'input[name="budget_kind"][value="gpu"]').click()
    _fill(
        driver,
        {
            "gpu": "h100_sxm",
            "gpu_count": "512",
            "hours": "504",
            "mfu": "0.4",
            "serve_device": "h100_sxm",
            "max_latency": "20",
        },
    )
    _submit(driver)
    _wait(driver, lambda d: d.find_elements(By.ID, "out-params"))
    answer: dict[str, Any] = httpx.post(f"{base}/v1/plan", json=GPU_BODY, timeout=60).json()
    _wait(
        driver,
        lambda d: d.execute_script(
            "const i = document.getElementById('frontier'); return i.complete && i.naturalWidth > 0"
        ),
    )
    return answer


def test_form_answer_numbers_picture_and_warnings(browser: Any, live_server: str) -> None:
    from selenium.webdriver.common.by import By

    answer = plan_and_picture(browser, live_server)
    plan = answer["plan"]
    params, params_text = _value(browser, "params")
    assert params == pytest.approx(plan["params"], rel=1e-12)
    assert f"{plan['params'] / 1e9:.4g}B" in params_text.replace(" ", "")
    assert _value(browser, "tokens")[0] == pytest.approx(plan["tokens"], rel=1e-12)
    loss, loss_text = _value(browser, "loss")
    assert loss == pytest.approx(plan["loss"], rel=1e-12)
    assert f"{plan['loss']:.5g}" in loss_text
    assert _value(browser, "lr")[0] == pytest.approx(plan["learning_rate"], rel=1e-12)
    assert _value(browser, "vocab")[0] == plan["vocab_size"]
    assert _value(browser, "batch")[0] == plan["batch_size_sequences"]
    assert f"{plan['shape']['n_layer']} layers" in _value(browser, "shape")[1]
    binding = _value(browser, "binding")[1]
    assert "inference.max_decode_latency_ms" in answer["binding_constraints"]
    for limit in answer["binding_constraints"]:
        assert limit in binding
    assert "ms/token" in _value(browser, "serving")[1]
    margins = browser.find_elements(By.CSS_SELECTOR, "#margins li")
    assert len(margins) == len(answer["marginal_values"]) > 0
    # the picture is the SVG the plot endpoint draws, with the plan on it
    natural = browser.execute_script("return document.getElementById('frontier').naturalWidth")
    assert natural > 0
    # warnings: every one rendered, grouped by severity (all "warning" until severities exist)
    items = browser.find_elements(By.CSS_SELECTOR, "#warnings .severity li")
    assert len(items) == len(answer["warnings"]) > 0
    groups = [
        g.get_attribute("data-severity")
        for g in browser.find_elements(By.CSS_SELECTOR, "#warnings .severity")
    ]
    expected = {w.get("severity", "warning") for w in answer["warnings"]}
    assert set(groups) == expected
    assert not browser.find_element(By.ID, "form-error").is_displayed()


def test_server_error_is_shown_next_to_its_field(browser: Any, live_server: str) -> None:
    from selenium.webdriver.common.by import By

    _open_page(browser, live_server)
    browser.find_element(By.CSS_SELECTOR, 'input[name="budget_kind"][value="gpu"]').click()
    _fill(browser, {"mfu": "2"})
    _submit(browser)
    selector = '.field-error[data-error-for="budget.mfu"]'
    note = _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, selector))[0]
    assert "<= 1" in note.text
    mfu = browser.find_element(By.ID, "mfu")
    assert mfu.get_attribute("aria-invalid") == "true"
    # the note sits right after the input it is about
    next_to = "return arguments[0].nextElementSibling === arguments[1]"
    assert browser.execute_script(next_to, mfu, note)
    assert browser.find_element(By.ID, "form-error").is_displayed()


def test_flops_budget_and_loss_law_choice(browser: Any, live_server: str) -> None:
    from selenium.webdriver.common.by import By

    _open_page(browser, live_server)
    browser.find_element(By.CSS_SELECTOR, 'input[name="budget_kind"][value="flops"]').click()
    _fill(browser, {"flops": "1e22", "loss_law": "hoffmann2022@eq10", "max_params": "2e9"})
    _submit(browser)
    _wait(browser, lambda d: d.find_elements(By.ID, "out-params"))
    assert _value(browser, "params")[0] == pytest.approx(2e9, rel=1e-6)
    assert "constraints.max_params" in _value(browser, "binding")[1]
    assert "hoffmann2022@eq10" in browser.find_element(By.ID, "answer-method").text
    assert math.isfinite(_value(browser, "loss")[0])


def test_uncertainty_offered_only_when_the_server_supports_it(
    browser: Any, live_server: str
) -> None:
    from selenium.webdriver.common.by import By

    schema = httpx.get(f"{live_server}/openapi.json", timeout=30).json()
    supported = "uncertainty" in schema["components"]["schemas"]["PlanRequest"]["properties"]
    _open_page(browser, live_server)
    assert browser.find_element(By.ID, "uncertainty-row").is_displayed() == supported


def test_docs_render_offline(browser: Any, live_server: str) -> None:
    """Swagger UI draws the API from the app's own assets (the page has no other host)."""
    from selenium.webdriver.common.by import By

    browser.get(f"{live_server}/docs")
    title = _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, ".swagger-ui .info .title"))
    assert "compute-budget planner" in title[0].text
    assert _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, ".opblock"))
    resources = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
    )
    assert resources
    assert all(url.startswith(live_server) for url in resources), resources


def save_screenshots(driver: Any, base: str, page: Path, picture: Path) -> None:
    """Write the README's screenshot of the page and its frontier picture (PNG)."""
    plan_and_picture(driver, base)
    driver.save_screenshot(str(page))
    response = httpx.post(f"{base}/v1/plots/frontier?format=png", json=GPU_BODY, timeout=60)
    picture.write_bytes(response.content)


def test_screenshot_is_a_png(browser: Any, live_server: str, tmp_path: Path) -> None:
    page, picture = tmp_path / "page.png", tmp_path / "frontier.png"
    save_screenshots(browser, live_server, page, picture)
    for path in (page, picture):
        assert path.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
