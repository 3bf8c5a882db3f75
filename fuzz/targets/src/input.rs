//! Structured inputs: the targets that drive a sequence (device replies, card commands, HTTP
//! requests) read their choices and byte strings from the fuzz input with this cursor, and
//! the seed writer builds such inputs with [`Builder`].
//!
//! A byte string is a length byte and that many bytes; when fewer follow, it is what is left,
//! so every input means something.

/// Reads choices and byte strings from the front of a fuzz input.
#[derive(Debug, Clone)]
pub struct Input<'a> {
    data: &'a [u8],
}

impl<'a> Input<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Input { data }
    }

    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// The next byte, or `None` at the end.
    pub fn byte(&mut self) -> Option<u8> {
        let (&b, rest) = self.data.split_first()?;
        self.data = rest;
        Some(b)
    }

    /// One of `options`, chosen by the next byte (the first one at the end).
    pub fn pick<T: Copy>(&mut self, options: &[T]) -> T {
        let b = self.byte().unwrap_or(0);
        options[usize::from(b) % options.len()]
    }

    /// A length byte and up to that many bytes; `None` at the end.
    pub fn chunk(&mut self) -> Option<&'a [u8]> {
        let len = usize::from(self.byte()?);
        let (chunk, rest) = self.data.split_at(len.min(self.data.len()));
        self.data = rest;
        Some(chunk)
    }

    /// Everything not read yet.
    pub fn rest(self) -> &'a [u8] {
        self.data
    }
}

/// Writes inputs that [`Input`] reads back (for seeds).
#[derive(Debug, Default, Clone)]
pub struct Builder {
    bytes: Vec<u8>,
}

impl Builder {
    pub fn new() -> Self {
        Builder::default()
    }

    pub fn byte(mut self, b: u8) -> Self {
        self.bytes.push(b);
        self
    }

    /// A byte string of at most 255 bytes (longer ones panic: a seed-writing mistake).
    pub fn chunk(mut self, chunk: &[u8]) -> Self {
        let len = u8::try_from(chunk.len()).expect("a chunk holds at most 255 bytes");
        self.bytes.push(len);
        self.bytes.extend_from_slice(chunk);
        self
    }

    pub fn rest(mut self, rest: &[u8]) -> Self {
        self.bytes.extend_from_slice(rest);
        self
    }

    pub fn build(self) -> Vec<u8> {
        self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_the_builder_writes() {
        let data = Builder::new()
            .byte(7)
            .chunk(b"abc")
            .chunk(b"")
            .rest(b"xyz")
            .build();
        let mut i = Input::new(&data);
        assert_eq!(i.byte(), Some(7));
        assert_eq!(i.chunk(), Some(&b"abc"[..]));
        assert_eq!(i.chunk(), Some(&b""[..]));
        assert_eq!(i.clone().rest(), b"xyz");
        // 'x' is 120, and 120 % 3 == 0.
        assert_eq!(i.pick(&[10, 20, 30]), 10);
    }

    #[test]
    fn a_short_chunk_is_what_is_left() {
        let mut i = Input::new(&[5, 1, 2]);
        assert_eq!(i.chunk(), Some(&[1, 2][..]));
        assert_eq!(i.chunk(), None);
        assert_eq!(i.byte(), None);
        assert_eq!(i.pick(&['a', 'b']), 'a');
    }
}
