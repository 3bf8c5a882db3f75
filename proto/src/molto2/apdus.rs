//! The Molto2's commands (bytes out) and the parsers of its replies (bytes in).

use zeroize::Zeroizing;

use super::{
    validate_seed, validate_title, CustomerKey, Molto2Config, Molto2Error, INS_CHALLENGE,
    INS_CHANGE_KEY, INS_DELETE_SEED, INS_FACTORY_RESET, INS_INFO, INS_SCREEN_LOCK,
    INS_WRITE_CONFIG, INS_WRITE_SEED, INS_WRITE_TITLE,
};
use crate::apdu::Command;
use crate::crypto::{pad_seed, pad_title, Sm4Key};

/// `80 41 00 00 00`.
pub fn info_apdu() -> Vec<u8> {
    Command::new(0x80, INS_INFO, 0, 0).le(0).to_bytes()
}

/// `80 41 00 <p> 01 70` (no Le byte).
pub fn profile_data_apdu(profile: u8) -> Vec<u8> {
    Command::with_data(0x80, INS_INFO, 0, profile, vec![0x70]).to_bytes()
}

/// `80 4B 08 00 00`.
pub fn challenge_apdu() -> Vec<u8> {
    Command::new(0x80, INS_CHALLENGE, 0x08, 0).le(0).to_bytes()
}

/// `84 C5 01 <p> Lc` || SM4-ECB(seed || 80 || 00…) || MAC.
pub fn write_seed_apdu(
    key: &Sm4Key,
    profile: u8,
    seed: &[u8],
) -> Result<Zeroizing<Vec<u8>>, Molto2Error> {
    validate_seed(seed)?;
    Ok(key.encrypted_apdu(INS_WRITE_SEED, 0x01, profile, &pad_seed(seed)))
}

/// `84 C5 01 <p> 14` || SM4-ECB(16 zero bytes) || MAC: the documented
/// alternative way to clear a profile (an all-zero seed without `80`).
pub fn clear_seed_apdu(key: &Sm4Key, profile: u8) -> Zeroizing<Vec<u8>> {
    key.encrypted_apdu(INS_WRITE_SEED, 0x01, profile, &[0u8; 16])
}

/// `84 D5 00 <p> 14` || SM4-ECB(title || 80 || 00… to 16) || MAC (the padding of the
/// vendor's tool; the device keeps the title zero-padded).
pub fn write_title_apdu(
    key: &Sm4Key,
    profile: u8,
    title: &str,
) -> Result<Zeroizing<Vec<u8>>, Molto2Error> {
    validate_title(title)?;
    Ok(key.encrypted_apdu(INS_WRITE_TITLE, 0x00, profile, &pad_title(title.as_bytes())))
}

/// `84 D4 01 <p> 1A` || config TLV || MAC.
pub fn write_config_apdu(key: &Sm4Key, profile: u8, config: &Molto2Config) -> Vec<u8> {
    key.secure_apdu(INS_WRITE_CONFIG, 0x01, profile, &config.tlv())
}

/// `84 D4 01 <p> 0C 81 06 0F 04 <UTC>` || MAC.
pub fn sync_clock_apdu(key: &Sm4Key, profile: u8, utc: u32) -> Vec<u8> {
    let u = utc.to_be_bytes();
    key.secure_apdu(
        INS_WRITE_CONFIG,
        0x01,
        profile,
        &[0x81, 0x06, 0x0F, 0x04, u[0], u[1], u[2], u[3]],
    )
}

/// `80 E6 00 <p> 00` (no authentication needed).
pub fn delete_seed_apdu(profile: u8) -> Vec<u8> {
    Command::new(0x80, INS_DELETE_SEED, 0, profile)
        .le(0)
        .to_bytes()
}

/// `84 D7 00 00 24` || SM4-ECB(current key, `00` || SHA1(new)[0..16] || `80` || 14×`00`) || MAC.
pub fn change_key_apdu(current: &Sm4Key, new_key: &CustomerKey) -> Zeroizing<Vec<u8>> {
    let new_sm4 = new_key.sm4_key();
    let mut pt = Zeroizing::new(Vec::with_capacity(32));
    pt.push(0x00);
    pt.extend_from_slice(new_sm4.as_bytes());
    pt.push(0x80);
    pt.resize(32, 0);
    current.encrypted_apdu(INS_CHANGE_KEY, 0, 0, &pt)
}

/// `80 56 00 00 00`.
pub fn factory_reset_apdu() -> Vec<u8> {
    Command::new(0x80, INS_FACTORY_RESET, 0, 0).le(0).to_bytes()
}

/// Lock the screen: `80 D8 0C 02 00` (firmware ≥ 2.1).
pub fn lock_screen_apdu() -> Vec<u8> {
    Command::new(0x80, INS_SCREEN_LOCK, 0x0C, 0x02)
        .le(0)
        .to_bytes()
}

/// Unlock the screen: `80 D8 0C 02 01 01` (firmware ≥ 2.1).
pub fn unlock_screen_apdu() -> Vec<u8> {
    Command::with_data(0x80, INS_SCREEN_LOCK, 0x0C, 0x02, vec![0x01]).to_bytes()
}

/// Device info (same layout as the single-profile get-info reply).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Molto2Info {
    pub serial: String,
    pub utc: u32,
}

/// Parse the info reply `[3 header][N][serial][2][UTC u32 BE]`.
pub fn parse_info(data: &[u8]) -> Result<Molto2Info, Molto2Error> {
    let i = crate::token2::parse_info_layout(data).map_err(Molto2Error::MalformedReply)?;
    Ok(Molto2Info {
        serial: i.serial,
        utc: i.utc,
    })
}

/// Public data of one profile. Only [`ProfilePublic::seed_present`] tells whether the profile
/// is in use: an empty profile may report a default configuration (SHA-1, 30 s, 6 digits).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfilePublic {
    pub flag: u8,
    /// The 16 raw "tips" bytes (the title shown on the device, zero-padded).
    pub tips: [u8; 16],
    pub rtc: u32,
    pub timecfg: u32,
    pub algorithm: u8,
    pub step: u8,
    pub digits: u8,
    pub seed_present: bool,
}

impl ProfilePublic {
    /// The title: the tips without their zero padding. Only zeros are trimmed — a UTF-8 title
    /// may hold `80` bytes ("À" is `C3 80`) — except one `80` left at the end that no UTF-8
    /// text can end with (a device that kept the writer's `80` marker).
    pub fn title(&self) -> String {
        let end = self.tips.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
        let mut t = &self.tips[..end];
        if std::str::from_utf8(t).is_err() {
            if let Some((0x80, head)) = t.split_last() {
                if std::str::from_utf8(head).is_ok() {
                    // The marker's own zero padding may come before it, too.
                    let end = head.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
                    t = &head[..end];
                }
            }
        }
        String::from_utf8_lossy(t).into_owned()
    }
}

/// Parse `95 L 70 L [flag][tips 16][rtc 4][timecfg 4][algo][step][digits][seed present]`.
pub fn parse_profile_public(data: &[u8]) -> Result<ProfilePublic, Molto2Error> {
    let bad = |m: &str| Molto2Error::MalformedReply(format!("profile data: {m}"));
    if data.len() < 4 || data[0] != 0x95 || data[2] != 0x70 {
        return Err(bad("expected tags 95 / 70"));
    }
    let outer = data[1] as usize;
    let inner = data[3] as usize;
    if data.len() < 2 + outer || outer < 2 + inner || inner < 29 {
        return Err(bad("lengths"));
    }
    let v = &data[4..4 + inner];
    let mut tips = [0u8; 16];
    tips.copy_from_slice(&v[1..17]);
    Ok(ProfilePublic {
        flag: v[0],
        tips,
        rtc: u32::from_be_bytes([v[17], v[18], v[19], v[20]]),
        timecfg: u32::from_be_bytes([v[21], v[22], v[23], v[24]]),
        algorithm: v[25],
        step: v[26],
        digits: v[27],
        seed_present: v[28] != 0,
    })
}
