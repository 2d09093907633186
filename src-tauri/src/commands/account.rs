//! The creator's account on the service's web site, opened in the browser to add credits
//! (the one next step after a 402). The page never passes a URL: it is derived here from
//! the API address in use, so no script in the webview can make the app open a link of
//! its choosing.

use crate::error::{ErrorCode, IpcError, IpcResult};
use crate::state::AppState;
use seedance_core::api::{ALTERNATE_BASE_URL, DEFAULT_BASE_URL};
use tauri::{AppHandle, State, Url};
use tauri_plugin_opener::OpenerExt;

/// Where credits are added for the service at `base_url`.
///
/// The service's documentation (docs/service-api.md) gives no billing or top-up URL (its
/// error pages say only "Add credits in Account"), so this is the site root of the service in use: that of
/// `https://seedance2-pro.com` or `https://kinovi.ai` when the API address is on one of
/// them, else the default service's. A loopback address is the fake service, whose
/// credits are pretend: `not_allowed`, with a sentence that says so.
pub fn account_page(base_url: &Url) -> IpcResult<Url> {
    if base_url.scheme() != "https" {
        return Err(IpcError::new(
            ErrorCode::NotAllowed,
            "The demo service has no account page: its credits are pretend. With the real \
             service, this opens your Seedance account in the browser to add credits.",
        ));
    }
    let site_root = |api: &str| {
        let mut url = Url::parse(api).map_err(IpcError::internal_from)?;
        url.set_path("/");
        Ok::<Url, IpcError>(url)
    };
    let known = [site_root(DEFAULT_BASE_URL)?, site_root(ALTERNATE_BASE_URL)?];
    let host = base_url.host_str();
    Ok(known
        .iter()
        .find(|site| site.host_str() == host)
        .unwrap_or(&known[0])
        .clone())
}

/// Opens the service's site in the browser, where the creator adds credits.
pub fn account_add_credits(app: AppHandle, state: State<'_, AppState>) -> IpcResult<()> {
    let page = account_page(&state.running().effective.client_config.base_url)?;
    app.opener()
        .open_url(page.as_str(), None::<&str>)
        .map_err(|e| IpcError::internal(format!("The browser could not be opened: {e}")))
}
