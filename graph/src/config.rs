//! Where to sign in and which Graph to call: the public cloud by default, any national cloud
//! (or a test server) by URL. Checked once, here, so every URL built later is well-formed.

use crate::error::Error;

pub const PUBLIC_GRAPH_URL: &str = "https://graph.microsoft.com";
pub const PUBLIC_LOGIN_URL: &str = "https://login.microsoftonline.com";

/// The Graph permissions every `entra` command asks for (delegated scopes, or the same names as
/// application permissions). One consent covers push, status and remove.
pub const PERMISSIONS: [&str; 3] = [
    // Create, list and delete the tenant's hardware OATH devices.
    "Policy.ReadWrite.AuthenticationMethod",
    // Assign, activate and unassign them on other users; count their OATH methods.
    "UserAuthenticationMethod.ReadWrite.All",
    // Resolve a UPN to the user's object ID.
    "User.Read.All",
];

/// The tenant, the app registration and the two base URLs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    pub tenant: String,
    pub client_id: String,
    /// `https://host[:port]`, no trailing slash.
    pub graph_url: String,
    /// `https://host[:port]`, no trailing slash.
    pub login_url: String,
}

impl Endpoints {
    pub fn new(
        tenant: &str,
        client_id: &str,
        graph_url: &str,
        login_url: &str,
    ) -> Result<Endpoints, Error> {
        let tenant = tenant.trim();
        // Goes into a URL path: only the characters of a GUID or a domain name.
        if tenant.is_empty()
            || !tenant
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
        {
            return Err(Error::BadInput(format!(
                "--tenant '{tenant}' is not a tenant: give the directory (tenant) ID, e.g. \
                 00000000-0000-0000-0000-000000000000, or its domain, e.g. contoso.onmicrosoft.com"
            )));
        }
        let client_id = client_id.trim();
        if client_id.is_empty()
            || !client_id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            return Err(Error::BadInput(format!(
                "--client-id '{client_id}' is not an application (client) ID: copy it from the \
                 app registration's Overview page (a GUID)"
            )));
        }
        Ok(Endpoints {
            tenant: tenant.to_string(),
            client_id: client_id.to_string(),
            graph_url: base_url("--graph-url", graph_url)?,
            login_url: base_url("--login-url", login_url)?,
        })
    }

    /// The beta API root: the hardware OATH endpoints exist only there.
    pub fn graph_api(&self) -> String {
        format!("{}/beta", self.graph_url)
    }

    pub fn token_url(&self) -> String {
        format!("{}/{}/oauth2/v2.0/token", self.login_url, self.tenant)
    }

    pub fn device_code_url(&self) -> String {
        format!("{}/{}/oauth2/v2.0/devicecode", self.login_url, self.tenant)
    }

    /// Delegated scopes are named after the Graph resource they are for, so a national cloud's
    /// Graph gets its own (`https://graph.microsoft.us/…`).
    pub fn scope(&self, permission: &str) -> String {
        format!("{}/{permission}", self.graph_url)
    }
}

/// `https://host[:port]` with nothing after it. Plain HTTP is refused: the bearer token and the
/// seeds must never cross a network unencrypted.
fn base_url(option: &str, url: &str) -> Result<String, Error> {
    let trimmed = url.trim().trim_end_matches('/');
    let bad = |why: &str| {
        Error::BadInput(format!(
            "{option} '{url}' {why}: give the base address only, e.g. {}",
            if option == "--graph-url" {
                PUBLIC_GRAPH_URL
            } else {
                PUBLIC_LOGIN_URL
            }
        ))
    };
    let uri: ureq::http::Uri = trimmed.parse().map_err(|_| bad("is not a URL"))?;
    if uri.scheme_str() != Some("https") {
        return Err(bad("does not start with https:// (TLS is required)"));
    }
    if uri.host().is_none_or(str::is_empty) {
        return Err(bad("has no host"));
    }
    if !matches!(uri.path(), "" | "/") || uri.query().is_some() {
        return Err(bad("has a path or query"));
    }
    Ok(trimmed.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_are_checked_and_built() {
        let e = Endpoints::new(
            "contoso.onmicrosoft.com",
            "11111111-2222-3333-4444-555555555555",
            "https://graph.microsoft.us/",
            PUBLIC_LOGIN_URL,
        )
        .unwrap();
        assert_eq!(e.graph_api(), "https://graph.microsoft.us/beta");
        assert_eq!(
            e.token_url(),
            "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token"
        );
        assert_eq!(
            e.scope("User.Read.All"),
            "https://graph.microsoft.us/User.Read.All"
        );
        let c = "11111111-2222-3333-4444-555555555555";
        for (tenant, graph) in [
            ("contoso/../x", PUBLIC_GRAPH_URL),
            ("", PUBLIC_GRAPH_URL),
            ("contoso.com", "http://graph.microsoft.com"),
            ("contoso.com", "https://graph.microsoft.com/v1.0"),
            ("contoso.com", "https://graph.microsoft.com/?x=1"),
            ("contoso.com", "graph.microsoft.com"),
        ] {
            let err = Endpoints::new(tenant, c, graph, PUBLIC_LOGIN_URL).unwrap_err();
            assert!(matches!(err, Error::BadInput(_)), "{tenant} {graph}: {err}");
        }
        assert!(Endpoints::new(
            "contoso.com",
            "not a guid!",
            PUBLIC_GRAPH_URL,
            PUBLIC_LOGIN_URL
        )
        .is_err());
    }
}
