//! OpenPGP requests through `tokensmith-seal`, its answers as the contract's data.

use tokensmith_seal::{read_keys, KeyInfo as SealKey, Output, Recipient};
use tokensmith_worker_api::openpgp::{Armour, EncryptJob, Encrypted, KeyInfo, Keys};

fn key_info(r: &Recipient) -> Result<KeyInfo, String> {
    let k: &SealKey = r.info();
    Ok(KeyInfo {
        fingerprint: k.fingerprint.clone(),
        fingerprint_grouped: k.fingerprint_grouped(),
        label: k.label(),
        user_ids: k.user_ids.clone(),
        algorithm: k.algorithm.clone(),
        encryption_algorithm: k.encryption_algorithm.clone(),
        created: k.created,
        expires: k.expires,
        refusal: r.check().err().map(|e| e.to_string()),
        armored: r.armored().map_err(|e| e.to_string())?,
    })
}

/// Every key in the input, described at `keys.now`.
pub fn describe(keys: &Keys) -> Result<Vec<KeyInfo>, String> {
    read_keys(&keys.keys, keys.now)
        .map_err(|e| e.to_string())?
        .iter()
        .map(key_info)
        .collect()
}

/// One message every recipient can open; refused when any key is unusable.
pub fn encrypt(job: &EncryptJob) -> Result<Encrypted, String> {
    let recipients = read_keys(&job.keys.keys, job.keys.now).map_err(|e| e.to_string())?;
    let output = match job.armour {
        Armour::Armored => Output::Armored,
        Armour::Binary => Output::Binary,
    };
    let bytes = tokensmith_seal::encrypt(&job.plaintext, &job.file_name, &recipients, output)
        .map_err(|e| e.to_string())?;
    Ok(Encrypted {
        bytes,
        extension: output.extension().into(),
        mime: output.mime().into(),
    })
}
