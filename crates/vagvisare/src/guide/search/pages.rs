//! Large arrays of the semantic stage on transparent huge pages where Linux gives them.
//!
//! On the virtual machines measured here, memory a process leaves alone for a second or more
//! costs 6 to 85 µs a 4 KiB page to read again, and ten to twenty-five times less on 2 MiB pages
//! (docs/benchmarks.md, "Memory left alone goes cold"). A first keystroke that compares a few
//! thousand rows of the nearest-neighbour index spread over hundreds of 4 KiB pages would wait
//! on each of them; on huge pages it waits on a handful. The process's allocator is kept off
//! huge pages (mimalloc's `no_thp`, for the keystrokes that reach fresh memory), so these arrays
//! are mapped on their own and marked for huge pages before anything is written to them.

use std::ops::{Deref, DerefMut};

/// A plain value for which all-zero bytes (what a fresh mapping holds) are a valid value, equal
/// to its `Default`.
///
/// # Safety
/// Implement it only for types whose every all-zero bit pattern is a valid value equal to
/// `T::default()`: `Pages` hands out fresh mappings as slices of `T`.
pub(crate) unsafe trait Zeroable: Copy + Default {}
// SAFETY: zero bytes are the integer 0, the default.
unsafe impl Zeroable for i8 {}
// SAFETY: as for i8.
unsafe impl Zeroable for u32 {}

/// Below this many bytes an array is an ordinary allocation (a huge page is 2 MiB).
const HUGE: usize = 2 << 20;

/// A fixed-length array of zeros to start with: its own mapping, marked for huge pages, when it
/// is at least [`HUGE`] bytes on Linux; else an ordinary boxed slice.
pub(crate) struct Pages<T: Zeroable> {
    inner: Inner<T>,
}

enum Inner<T> {
    Boxed(Box<[T]>),
    #[cfg(target_os = "linux")]
    Mapped {
        ptr: std::ptr::NonNull<T>,
        len: usize,
        bytes: usize,
    },
}

// SAFETY: a mapping is owned by its `Pages` alone, like a `Box<[T]>`; `T` is a plain value.
unsafe impl<T: Zeroable + Send> Send for Pages<T> {}
// SAFETY: shared access only reads, as through `&[T]`.
unsafe impl<T: Zeroable + Sync> Sync for Pages<T> {}

impl<T: Zeroable> Pages<T> {
    /// `len` zeros.
    pub(crate) fn zeroed(len: usize) -> Self {
        #[cfg(target_os = "linux")]
        if let Some(bytes) = len.checked_mul(std::mem::size_of::<T>()) {
            if bytes >= HUGE {
                if let Some(inner) = map(len, bytes) {
                    return Self { inner };
                }
            }
        }
        Self {
            inner: Inner::Boxed(vec![T::default(); len].into_boxed_slice()),
        }
    }

    /// Whether the array has its own mapping (tests).
    #[cfg(test)]
    fn is_mapped(&self) -> bool {
        !matches!(self.inner, Inner::Boxed(_))
    }
}

/// A fresh anonymous mapping of `bytes` rounded up to whole huge pages, starting on a huge page's
/// boundary (a huge page more is mapped, and what lies before the boundary and after the end is
/// unmapped: older kernels align only to 4 KiB), asked for huge pages.
#[cfg(target_os = "linux")]
fn map<T>(len: usize, bytes: usize) -> Option<Inner<T>> {
    let bytes = bytes.div_ceil(HUGE).checked_mul(HUGE)?;
    let mapped = bytes.checked_add(HUGE)?;
    // SAFETY: a new private anonymous mapping; no existing memory is touched.
    let ptr = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            mapped,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        )
    };
    if ptr == libc::MAP_FAILED {
        return None;
    }
    let head = (ptr as usize).next_multiple_of(HUGE) - ptr as usize;
    // SAFETY: both ranges lie within the mapping just made, and nothing refers to them; the
    // kept range [head, head + bytes) is a multiple of the page size at a page boundary.
    let start = unsafe {
        let start = ptr.cast::<u8>().add(head);
        if head > 0 {
            libc::munmap(ptr, head);
        }
        libc::munmap(start.add(bytes).cast(), HUGE - head);
        // A hint: where the kernel gives no huge pages, the mapping works with small ones.
        let _ = libc::madvise(start.cast(), bytes, libc::MADV_HUGEPAGE);
        start
    };
    Some(Inner::Mapped {
        ptr: std::ptr::NonNull::new(start.cast())?,
        len,
        bytes,
    })
}

impl<T: Zeroable> Drop for Pages<T> {
    fn drop(&mut self) {
        #[cfg(target_os = "linux")]
        if let Inner::Mapped { ptr, bytes, .. } = self.inner {
            // SAFETY: the mapping made in `map`, of this size, and no slice of it outlives self.
            unsafe { libc::munmap(ptr.as_ptr().cast(), bytes) };
        }
    }
}

impl<T: Zeroable> Deref for Pages<T> {
    type Target = [T];

    fn deref(&self) -> &[T] {
        match &self.inner {
            Inner::Boxed(values) => values,
            // SAFETY: the mapping holds `len` values of `T` (zeros at first, valid for a
            // `Zeroable`), is aligned to a page, and lives as long as self.
            #[cfg(target_os = "linux")]
            Inner::Mapped { ptr, len, .. } => unsafe {
                std::slice::from_raw_parts(ptr.as_ptr(), *len)
            },
        }
    }
}

impl<T: Zeroable> AsRef<[T]> for Pages<T> {
    fn as_ref(&self) -> &[T] {
        self
    }
}

impl<T: Zeroable> DerefMut for Pages<T> {
    fn deref_mut(&mut self) -> &mut [T] {
        match &mut self.inner {
            Inner::Boxed(values) => values,
            // SAFETY: as in `deref`, and `&mut self` makes this the only access.
            #[cfg(target_os = "linux")]
            Inner::Mapped { ptr, len, .. } => unsafe {
                std::slice::from_raw_parts_mut(ptr.as_ptr(), *len)
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_arrays_are_boxed_large_ones_mapped_and_both_hold_what_is_written() {
        let mut small = Pages::<i8>::zeroed(100);
        assert!(!small.is_mapped());
        small[99] = 3;
        assert_eq!(small.iter().map(|&v| i32::from(v)).sum::<i32>(), 3);
        let n = 3 * HUGE / 4 + 5;
        let mut large = Pages::<u32>::zeroed(n);
        assert_eq!(large.is_mapped(), cfg!(target_os = "linux"));
        if large.is_mapped() {
            assert_eq!(
                large.as_ptr() as usize % HUGE,
                0,
                "on a huge page's boundary"
            );
        }
        assert_eq!(large.len(), n);
        assert!(large.iter().all(|&v| v == 0), "zeros to start with");
        for (i, v) in large.iter_mut().enumerate() {
            *v = i as u32;
        }
        assert_eq!(large[n - 1], (n - 1) as u32);
        assert_eq!(Pages::<i8>::zeroed(0).len(), 0);
    }
}
