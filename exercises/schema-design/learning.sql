-- A gamified learning platform. MySQL 8.0 and MariaDB 10.11, InnoDB, utf8mb4, UTC times.
-- Loaded into a scratch database by tests/integration/schema_design_test.cpp.

-- One role per user (admin, lecturer, student) and a status. UNIQUE (id, role) exists only so
-- that other tables can reference "a user with this role" (see courses and enrollments).
CREATE TABLE users (
  id         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  email      VARCHAR(254)    NOT NULL,
  name       VARCHAR(100)    NOT NULL,
  role       ENUM('admin','lecturer','student') NOT NULL,
  status     ENUM('pending','active','suspended') NOT NULL DEFAULT 'pending',
  created_at DATETIME(6)     NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  UNIQUE KEY uq_users_email (email),
  UNIQUE KEY uq_users_id_role (id, role),
  KEY ix_users_role_status (role, status)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The main query, a lecturer's course list:
--   WHERE lecturer_id = ? AND status = 'published' ORDER BY created_at DESC, id DESC LIMIT 20
-- ix_courses_lecturer is equality, equality, then the sort key: one index range, read
-- backwards, no filesort.
-- Role rule in the schema: lecturer_role can only be 'lecturer', and (lecturer_id,
-- lecturer_role) must match a user's (id, role). So a course cannot belong to a student, and a
-- lecturer who still owns courses cannot be turned into a student (the foreign key refuses).
CREATE TABLE courses (
  id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  lecturer_id   BIGINT UNSIGNED NOT NULL,
  lecturer_role ENUM('admin','lecturer','student') NOT NULL DEFAULT 'lecturer',
  title         VARCHAR(200)    NOT NULL,
  slug          VARCHAR(200)    NOT NULL,
  status        ENUM('draft','published','archived') NOT NULL DEFAULT 'draft',
  created_at    DATETIME(6)     NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  UNIQUE KEY uq_courses_slug (slug),
  KEY ix_courses_lecturer (lecturer_id, status, created_at, id),
  CONSTRAINT ck_courses_lecturer_role CHECK (lecturer_role = 'lecturer'),
  CONSTRAINT fk_course_lecturer FOREIGN KEY (lecturer_id, lecturer_role) REFERENCES users (id, role)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE lessons (
  id        BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  course_id BIGINT UNSIGNED NOT NULL,
  position  SMALLINT UNSIGNED NOT NULL,
  title     VARCHAR(200)    NOT NULL,
  xp        INT UNSIGNED    NOT NULL DEFAULT 10,
  UNIQUE KEY uq_lessons_course_position (course_id, position),
  CONSTRAINT fk_lesson_course FOREIGN KEY (course_id) REFERENCES courses (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Only students enrol (the same (id, role) rule). A student's courses: the primary key; a
-- course's students: ix_enrollments_course.
CREATE TABLE enrollments (
  student_id   BIGINT UNSIGNED NOT NULL,
  student_role ENUM('admin','lecturer','student') NOT NULL DEFAULT 'student',
  course_id    BIGINT UNSIGNED NOT NULL,
  enrolled_at  DATETIME(6)     NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  PRIMARY KEY (student_id, course_id),
  KEY ix_enrollments_course (course_id, student_id),
  CONSTRAINT ck_enrollments_student_role CHECK (student_role = 'student'),
  CONSTRAINT fk_enrollment_student FOREIGN KEY (student_id, student_role) REFERENCES users (id, role),
  CONSTRAINT fk_enrollment_course FOREIGN KEY (course_id) REFERENCES courses (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Gamification. A lesson completed once per student; every point earned is a ledger row, so
-- the total is a sum and a leaderboard can be rebuilt; badges are awarded once.
CREATE TABLE lesson_completions (
  student_id   BIGINT UNSIGNED NOT NULL,
  lesson_id    BIGINT UNSIGNED NOT NULL,
  completed_at DATETIME(6)     NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  PRIMARY KEY (student_id, lesson_id),
  CONSTRAINT fk_completion_student FOREIGN KEY (student_id) REFERENCES users (id),
  CONSTRAINT fk_completion_lesson FOREIGN KEY (lesson_id) REFERENCES lessons (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE xp_events (
  id         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  student_id BIGINT UNSIGNED NOT NULL,
  source     ENUM('lesson','quiz','streak','bonus') NOT NULL,
  source_id  BIGINT UNSIGNED NULL,
  points     INT             NOT NULL,
  created_at DATETIME(6)     NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  KEY ix_xp_student (student_id, created_at),
  CONSTRAINT fk_xp_student FOREIGN KEY (student_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE badges (
  id   INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  code VARCHAR(50)  NOT NULL,
  name VARCHAR(100) NOT NULL,
  UNIQUE KEY uq_badges_code (code)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE user_badges (
  user_id    BIGINT UNSIGNED NOT NULL,
  badge_id   INT UNSIGNED    NOT NULL,
  awarded_at DATETIME(6)     NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  PRIMARY KEY (user_id, badge_id),
  CONSTRAINT fk_user_badge_user FOREIGN KEY (user_id) REFERENCES users (id),
  CONSTRAINT fk_user_badge_badge FOREIGN KEY (badge_id) REFERENCES badges (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
