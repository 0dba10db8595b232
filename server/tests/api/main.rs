//! Integration tests of the server: the whole router, in-process or on a real socket.

mod config;
mod health;
mod helpers;
mod pages;
