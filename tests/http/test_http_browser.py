"""A person's path through Swagger UI: Authorize with a token, "Try it out" on /me.

Headless Chromium (Debian's ``chromium`` + ``chromium-driver``, installed with apt-get
when missing) driven by selenium.
"""

from __future__ import annotations

import pytest

pytest.importorskip("selenium", reason="selenium is a test dependency: pip install selenium")
pytest.importorskip(
    "fastapi_offline", reason="serves Swagger UI offline: pip install fastapi-offline"
)

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from .support import ensure_debian_package


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    chromium = ensure_debian_package("chromium", "chromium")
    driver_path = ensure_debian_package("chromedriver", "chromium-driver")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1280,2000",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium')}",
    ):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    yield driver
    driver.quit()


@pytest.mark.parametrize("test_app_server", ["docs_app"], indirect=True)
def test_swagger_ui_authorize_and_try_me(test_app_server, browser, tmp_path):
    with test_app_server.client() as client:
        login = client.post(
            "/auth/login", json={"email": "demo@example.com", "password": "password"}
        )
        token = login.json()["access_token"]

    wait = WebDriverWait(browser, 20)
    browser.get(f"{test_app_server.url}/docs")
    try:
        wait.until(ec.element_to_be_clickable((By.CSS_SELECTOR, "button.authorize"))).click()
        field = wait.until(
            ec.visibility_of_element_located((By.CSS_SELECTOR, ".auth-container input"))
        )
        field.send_keys(token)
        browser.find_element(
            By.CSS_SELECTOR, ".auth-btn-wrapper button.modal-btn.authorize"
        ).click()
        wait.until(ec.element_to_be_clickable((By.CSS_SELECTOR, "button.btn-done"))).click()

        browser.find_element(
            By.CSS_SELECTOR, "#operations-default-get_profile_me_get .opblock-summary"
        ).click()
        operation = wait.until(
            ec.visibility_of_element_located(
                (By.CSS_SELECTOR, "#operations-default-get_profile_me_get")
            )
        )
        wait.until(lambda _: operation.find_element(By.CSS_SELECTOR, "button.try-out__btn")).click()
        wait.until(lambda _: operation.find_element(By.CSS_SELECTOR, "button.execute")).click()
        status = wait.until(
            lambda _: operation.find_element(
                By.CSS_SELECTOR, ".live-responses-table .response .response-col_status"
            )
        )
        body = operation.find_element(
            By.CSS_SELECTOR, ".live-responses-table .response-col_description pre"
        ).text
    except Exception:
        browser.save_screenshot(str(tmp_path / "swagger.png"))
        raise
    browser.save_screenshot(str(tmp_path / "swagger.png"))
    assert status.text.strip().startswith("200"), body
    assert '"user_id": "user123"' in body
