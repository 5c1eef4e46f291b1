"""al.viz.animate_backward: the step-by-step page of ½‖WᵀWx − x‖² (W's two paths meet at its
"+" node), its frames, and (where Chromium is installed) the page driven in a real browser."""
from __future__ import annotations

import json
import re
import shutil

import numpy as np
import pytest

import autograd_lite as al
from tests.test_viz_dot import autoencoder

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="the Graphviz binary is not installed")


def page_data(html: str) -> dict:
    m = re.search(r'<script type="application/json" id="steps">(.*?)</script>', html, re.S)
    return json.loads(m.group(1).replace("<\\/", "</"))


def key_of(data: dict, name: str) -> str:
    (key,) = [k for k, n in data["names"].items() if n == name]
    return key


@needs_dot
def test_autoencoder_page_steps_and_W_gradient(tmp_path):
    W, x, r, L = autoencoder()
    anim = al.viz.animate_backward(L, tmp_path / "backprop.html", names={"r": r})
    html = (tmp_path / "backprop.html").read_text(encoding="utf-8")
    data = page_data(html)
    ops = ["mul", "sum", "mul", "sub", "matmul", "transpose", "matmul"]  # 0.5·, Σ, r⊙r, −x, ·x, Wᵀ, W·
    assert len(data["steps"]) == 1 + len(ops)
    assert [s["title"].split(":")[0] for s in data["steps"][1:]] == ops
    w = key_of(data, "W")
    # W fills in path by path: nothing, then the Wᵀ path, then both summed at its "+" node
    (expected,) = al.grad(L, W, retain_graph=True)
    seen = [np.asarray(s["values"][w]) if w in s["values"] else None for s in data["steps"]]
    assert all(v is None for v in seen[:6])
    assert not np.allclose(seen[6], expected.data)  # one path only
    np.testing.assert_allclose(seen[-1], expected.data, rtol=1e-12)
    last = data["steps"][-1]
    assert f"S{w}" in last["active"] and any("sum of its 2 paths" in t for t in last["lines"])
    assert last["grads"][w] == data["steps"][-1]["grads"][w] != data["steps"][6]["grads"][w]
    assert data["steps"][0]["grads"][w] == "?"
    # self-contained: the SVG inline, no URL fetched
    assert "<svg" in html and not re.search(r'(src|href)="https?:', html)
    assert html.count("<svg") == 1 and 'id="slider"' in html and 'id="next"' in html
    assert anim._repr_html_().startswith("<iframe srcdoc=")


def test_animation_needs_a_live_graph_and_a_tensor():
    W, x, r, L = autoencoder(backward=True)
    with pytest.raises(RuntimeError, match="before loss.backward"):
        al.viz.animate_backward(L)
    with pytest.raises(TypeError):
        al.viz.animate_backward(np.ones(3))
    with pytest.raises(ValueError, match="rankdir"):
        al.viz.animate_backward(autoencoder()[3], rankdir="LR]; x [")


@needs_dot
def test_frames_as_png_and_gif(tmp_path):
    pytest.importorskip("PIL")
    W, x, r, L = autoencoder()
    anim = al.viz.animate_backward(L)
    paths = anim.save_frames(tmp_path, format="gif")
    assert [p.name for p in paths[:-1]] == [f"step_{i:03d}.png" for i in range(len(anim.steps))]
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in paths[:-1])
    assert paths[-1].read_bytes()[:6] == b"GIF89a"
    assert "step 3 of 7" in anim.frame_dot(3)


# ----- a real browser --------------------------------------------------------------
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage"]


def _browser(tmp_path):
    webdriver = pytest.importorskip("selenium.webdriver")
    binary, driver = shutil.which("chromium") or shutil.which("chromium-browser"), shutil.which("chromedriver")
    if binary is None or driver is None:
        pytest.skip("Chromium and chromedriver are not installed (apt-get install chromium chromium-driver)")
    from selenium.webdriver.chrome.service import Service
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in CHROMIUM_FLAGS + [f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1400,1800"]:
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(executable_path=driver), options=options)


@needs_dot
def test_the_page_in_chromium_steps_highlights_and_fills_gradients(tmp_path):
    W, x, r, L = autoencoder()
    anim = al.viz.animate_backward(L, tmp_path / "backprop.html", names={"r": r})
    data = anim.data()
    w = key_of(data, "W")
    browser = _browser(tmp_path)
    try:
        from selenium.webdriver.common.by import By
        browser.get((tmp_path / "backprop.html").as_uri())

        def state():
            return browser.execute_script("""
                const active = Array.from(document.querySelectorAll('g.node.active'))
                    .map(g => g.querySelector('title').textContent);
                const cells = {};
                document.querySelectorAll('g.node').forEach(g => {
                    const t = Array.from(g.querySelectorAll('text')).find(t => t.textContent.startsWith('grad '));
                    if (t) cells[g.querySelector('title').textContent] = t.textContent; });
                return [Number(document.body.dataset.step), active.sort(), cells,
                        document.getElementById('caption').textContent];""")

        step, active, cells, caption = state()
        assert step == 0 and active == [data["steps"][0]["active"][0]] and cells[w] == "grad ?"
        browser.find_element(By.ID, "next").click()
        step, active, cells, caption = state()
        assert step == 1 and sorted(data["steps"][1]["active"]) == active and "step 1 of 7" in caption
        # the slider jumps to the step where Wᵀ's path arrives, then to the end: W's gradient fills in
        slider = browser.find_element(By.ID, "slider")
        browser.execute_script("arguments[0].value = 6; arguments[0].dispatchEvent(new Event('input'));", slider)
        step, active, cells6, caption = state()
        assert step == 6 and w in active and cells6[w] == "grad " + data["steps"][6]["grads"][w]
        browser.find_element(By.ID, "next").click()
        step, active, cells7, caption = state()
        assert step == 7 and f"S{w}" in active and cells7[w] == "grad " + data["steps"][7]["grads"][w] != cells6[w]
        assert "sum of its 2 paths" in caption
        browser.find_element(By.ID, "prev").click()
        assert state()[0] == 6
        browser.save_screenshot(str(tmp_path / "backprop.png"))
        assert (tmp_path / "backprop.png").stat().st_size > 10_000
        # a plain SVG graph loads too, its nodes drawn
        svg = tmp_path / "graph.svg"
        svg.write_bytes(al.viz.draw_graph(L, backward=True).pipe(format="svg"))
        browser.get(svg.as_uri())
        n = browser.execute_script("return document.querySelectorAll('g.node').length")
        assert n == len(al.viz.to_dot(L).split("shape=")) - 1 + 2  # + the two "+" nodes
        browser.save_screenshot(str(tmp_path / "graph.png"))
    finally:
        browser.quit()
